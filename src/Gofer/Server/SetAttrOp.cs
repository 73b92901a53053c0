using AppKernel.Gofer.Native;
using AppKernel.Gofer.Protocol;
using static Tmds.Linux.LibC;

namespace AppKernel.Gofer.Server;

/// <summary>SetAttr: truncate, chown, chmod, utimes of a held node, in that order (chown clears set-id bits
/// before chmod sets them). A failure stops there: the changes before it stay.</summary>
public sealed unsafe partial class GoferServer
{
    const SetAttrMask AllSetAttr = SetAttrMask.Mode | SetAttrMask.Uid | SetAttrMask.Gid | SetAttrMask.Size |
        SetAttrMask.Atime | SetAttrMask.Mtime | SetAttrMask.AtimeNow | SetAttrMask.MtimeNow;

    Reply SetAttr(SetAttrRequest q)
    {
        if (!_fids.TryGet(q.Fid, out var node)) return Fail(Op.SetAttr, Errno.EBADF);
        if ((q.Mask & ~AllSetAttr) != 0) return Fail(Op.SetAttr, Errno.EINVAL);
        var e = Errno.None;
        if (q.Mask != 0)
        {
            if (!_writable) return Fail(Op.SetAttr, Errno.EROFS);
            e = ApplySetAttr(node, q);
        }
        if (e != Errno.None) return Fail(Op.SetAttr, e);
        e = StatFd(node.Fd, out var st);
        return e != Errno.None ? Fail(Op.SetAttr, e) : new StatReply(Op.SetAttr, st.ToGofer());
    }

    Errno ApplySetAttr(in Node node, SetAttrRequest q)
    {
        var m = q.Mask;
        if ((m & SetAttrMask.Size) != 0)
        {
            if (node.IsDir) return Errno.EISDIR;
            if (!node.IsReg) return Errno.EINVAL; // truncate of a FIFO, socket, device or symlink; never opened
            if (q.Size < 0) return Errno.EINVAL;
            int fd = Reopen(node.Fd, GoferSys.O_WRONLY);
            if (fd < 0) return LastErrno;
            int rc = ftruncate(fd, q.Size);
            var te = rc < 0 ? LastErrno : Errno.None;
            close(fd);
            if (te != Errno.None) return te;
        }
        if ((m & (SetAttrMask.Uid | SetAttrMask.Gid)) != 0)
        {
            uint uid = (m & SetAttrMask.Uid) != 0 ? q.Uid : uint.MaxValue;
            uint gid = (m & SetAttrMask.Gid) != 0 ? q.Gid : uint.MaxValue;
            fixed (byte* empty = "\0"u8)
                if (fchownat(node.Fd, empty, uid, gid, GoferSys.AT_EMPTY_PATH) < 0) return LastErrno;
        }
        if ((m & SetAttrMask.Mode) != 0)
        {
            var ce = ChmodHeld(node.Fd, q.Mode & PermBits); // a symlink gives EOPNOTSUPP, like lchmod
            if (ce != Errno.None) return ce;
        }
        const SetAttrMask times = SetAttrMask.Atime | SetAttrMask.Mtime | SetAttrMask.AtimeNow | SetAttrMask.MtimeNow;
        if ((m & times) != 0)
        {
            var ts = stackalloc Tmds.Linux.timespec[2];
            SetTime(ref ts[0], m, SetAttrMask.Atime, SetAttrMask.AtimeNow, q.AtimeNs);
            SetTime(ref ts[1], m, SetAttrMask.Mtime, SetAttrMask.MtimeNow, q.MtimeNs);
            // Through /proc/self/fd/N: the magic link is followed once, to the held inode (a symlink's own times).
            Span<byte> n = stackalloc byte[16];
            CStr.Fd(node.Fd, n);
            fixed (byte* p = n)
                if (utimensat(_procFd, p, ts, 0) < 0) return LastErrno;
        }
        return Errno.None;
    }

    static void SetTime(ref Tmds.Linux.timespec t, SetAttrMask m, SetAttrMask set, SetAttrMask now, long ns)
    {
        if ((m & now) != 0)
        {
            t.tv_sec = 0;
            t.tv_nsec = (Tmds.Linux.long_t)GoferSys.UTIME_NOW;
        }
        else if ((m & set) != 0)
        {
            t.tv_sec = Math.DivRem(ns, 1_000_000_000L, out long rem) - (rem < 0 ? 1 : 0);
            t.tv_nsec = (Tmds.Linux.long_t)(rem < 0 ? rem + 1_000_000_000L : rem);
        }
        else
        {
            t.tv_sec = 0;
            t.tv_nsec = (Tmds.Linux.long_t)GoferSys.UTIME_OMIT;
        }
    }
}
