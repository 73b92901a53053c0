using System.Text;
using AppKernel.Gofer.Native;
using AppKernel.Gofer.Protocol;
using Microsoft.Extensions.Logging;
using static Tmds.Linux.LibC;

namespace AppKernel.Gofer.Server;

/// <summary>Attach, Walk, Stat, Open, ReadLink, StatFs, Clunk.</summary>
public sealed unsafe partial class GoferServer
{
    /// <summary>Takes a fid for a new O_PATH fd, or closes it and fails.</summary>
    Errno Adopt(int fd, out ulong fid, out GoferStat st) => Adopt(fd, 0, default, out fid, out st);

    /// <summary>Gives fd a fid; a node walked from parent by nameZ may later be closed and reopened (FidTable).</summary>
    Errno Adopt(int fd, ulong parent, ReadOnlySpan<byte> nameZ, out ulong fid, out GoferStat st)
    {
        fid = 0;
        var e = StatFd(fd, out var hst);
        st = hst.ToGofer();
        if (e != Errno.None || _fids.Full)
        {
            close(fd);
            return e != Errno.None ? e : Errno.ENFILE;
        }
        fid = parent != 0 ? _fids.AddChild(fd, hst.Mode, parent, nameZ, hst.Dev, hst.Ino) : _fids.Add(fd, hst.Mode);
        return Errno.None;
    }

    Reply Attach()
    {
        if (_fids.Full) return Fail(Op.Attach, Errno.ENFILE);
        int fd;
        fixed (byte* dot = ".\0"u8) fd = openat(_root, dot, GoferSys.O_PATH | GoferSys.O_DIRECTORY | GoferSys.O_CLOEXEC, 0);
        // A bind-mounted file is served as a tree of one node: a second fd of the same inode, through its
        // /proc/self/fd link (which names exactly that inode, never a path).
        if (fd < 0 && LastErrno == Errno.ENOTDIR)
            fixed (byte* n = LinuxText.EncodeZ(_root.ToString())) fd = openat(_procFd, n, GoferSys.O_PATH | GoferSys.O_CLOEXEC, 0);
        if (fd < 0) return Fail(Op.Attach, LastErrno);
        var e = Adopt(fd, out ulong fid, out var st);
        return e != Errno.None ? Fail(Op.Attach, e) : new FidStatReply(Op.Attach, fid, st);
    }

    Reply Walk(WalkRequest q, out int donate)
    {
        donate = -1;
        if (!_fids.TryGet(q.DirFid, out var dir)) return Fail(Op.Walk, Errno.EBADF);
        var walked = new List<(ulong, GoferStat)>(q.Names.Count);
        Span<byte> name = stackalloc byte[CStr.NameBuf];
        int cur = dir.Fd;
        ulong curFid = q.DirFid;
        var err = Errno.None;
        foreach (var n in q.Names)
        {
            if (_fids.Full) { err = Errno.ENFILE; break; }
            err = WalkOne(cur, curFid, n, name, out int fd, out ulong fid, out var st);
            if (err != Errno.None) break;
            walked.Add((fid, st));
            cur = fd;
            curFid = fid;
        }
        // The last node opened read-only for a walk to be opened (only a regular file: opening anything else may
        // block or act, as Open refuses); an fd the gofer cannot open is simply not sent.
        if (q.OpenLast && err == Errno.None && walked.Count > 0 && walked[^1].Item2.IsRegular)
        {
            int fd = Reopen(cur, Wire.O_RDONLY);
            if (fd >= 0) donate = fd;
        }
        return new WalkReply(walked)
        {
            Err = err,
            LastLink = walked.Count > 0 && walked[^1].Item2.IsSymlink ? LinkTarget(cur) : null,
            Listing = q.ListOnMiss && err == Errno.ENOENT && walked.Count == 0 ? ListForMiss(dir.Fd) : null,
        };
    }

    // The whole listing of the directory whose fd (O_PATH) is dirFd, if it fits in half a reply; else null.
    List<GoferDirent>? ListForMiss(int dirFd)
    {
        int fd = Reopen(dirFd, GoferSys.O_RDONLY | GoferSys.O_DIRECTORY);
        if (fd < 0) return null;
        int room = Wire.MaxMessage / 2;
        var listing = ListWhole(fd, ref room);
        close(fd);
        return listing;
    }

    /// <summary>The target of the symlink fd (an O_PATH descriptor), or null if it cannot be read or is too long.</summary>
    string? LinkTarget(int fd)
    {
        long n = ReadTarget(fd);
        return n <= 0 || n > Wire.PathMax ? null : LinuxText.Decode(_scratch.AsSpan(0, (int)n));
    }

    /// <summary>readlinkat of a symlink's O_PATH fd into the scratch buffer: the target's length (PathMax + 1 when it
    /// is longer), or -errno.</summary>
    long ReadTarget(int fd)
    {
        long n;
        fixed (byte* buf = _scratch)
        fixed (byte* empty = "\0"u8)
            n = (long)readlinkat(fd, empty, buf, Wire.PathMax + 1);
        return n < 0 ? -(long)LastErrno : n;
    }

    /// <summary>Walks one component n from dirFd (the node dirFid), never following a symlink: n holds no '/' and is
    /// not "." or ".." (the protocol's names). The node gets a fid; fd is its descriptor. nameBuf is scratch.</summary>
    Errno WalkOne(int dirFd, ulong dirFid, string n, Span<byte> nameBuf, out int fd, out ulong fid, out GoferStat st)
    {
        fd = -1;
        fid = 0;
        st = default;
        if (!CStr.Put(n, nameBuf)) return Errno.ENAMETOOLONG;
        fd = OpenNoFollow(dirFd, nameBuf, 0);
        if (fd < 0) return LastErrno;
        int len = nameBuf.IndexOf((byte)0);
        return Adopt(fd, dirFid, nameBuf[..(len + 1)], out fid, out st);
    }

    Reply Stat(StatRequest q)
    {
        if (!_fids.TryGet(q.Fid, out var node)) return Fail(Op.Stat, Errno.EBADF);
        var e = StatFd(node.Fd, out var st);
        return e != Errno.None ? Fail(Op.Stat, e) : new StatReply(Op.Stat, st.ToGofer());
    }

    /// <summary>Why a node of this type may not be opened, or None for regular files and directories.</summary>
    static Errno OpenableType(in Node n) => n.Type switch
    {
        GoferSys.S_IFREG or GoferSys.S_IFDIR => Errno.None,
        GoferSys.S_IFIFO or GoferSys.S_IFSOCK => Errno.ENXIO, // opening a FIFO would block the gofer; sockets cannot be opened
        GoferSys.S_IFLNK => Errno.ELOOP,            // as open(O_NOFOLLOW) of a symlink
        _ => Errno.EACCES,                  // device nodes are never opened (as on a nodev mount)
    };

    Reply Open(OpenRequest q, out int donate)
    {
        donate = -1;
        if (!_fids.TryGet(q.Fid, out var node)) return Fail(Op.Open, Errno.EBADF);
        int acc = q.Flags & Wire.O_ACCMODE;
        if ((q.Flags & ~Wire.AllowedOpenFlags) != 0 || acc == Wire.O_ACCMODE) return Fail(Op.Open, Errno.EINVAL);
        var e = OpenableType(node);
        if (e != Errno.None) return Fail(Op.Open, e);
        bool write = acc != Wire.O_RDONLY || (q.Flags & Wire.O_TRUNC) != 0;
        if (node.IsDir && write) return Fail(Op.Open, Errno.EISDIR);
        if (write && !_writable) return Fail(Op.Open, Errno.EROFS);
        int fd = Reopen(node.Fd, q.Flags | (node.IsDir ? GoferSys.O_DIRECTORY : 0));
        if (fd < 0) return Fail(Op.Open, LastErrno);
        donate = fd;
        return new EmptyReply(Op.Open);
    }

    Reply ReadLink(ReadLinkRequest q)
    {
        if (!_fids.TryGet(q.Fid, out var node)) return Fail(Op.ReadLink, Errno.EBADF);
        if (!node.IsSymlink) return Fail(Op.ReadLink, Errno.EINVAL);
        long n = ReadTarget(node.Fd);
        if (n < 0) return Fail(Op.ReadLink, (Errno)(-n));
        if (n > Wire.PathMax) return Fail(Op.ReadLink, Errno.ENAMETOOLONG);
        var target = _scratch.AsSpan(0, (int)n);
        return new ReadLinkReply(LinuxText.Decode(target));
    }

    Reply StatFs(StatFsRequest q)
    {
        if (!_fids.TryGet(q.Fid, out var node)) return Fail(Op.StatFs, Errno.EBADF);
        HostStatFs s;
        if (GoferSys.fstatfs(node.Fd, &s) < 0) return Fail(Op.StatFs, (Errno)GoferSys.Errno);
        return new StatFsReply(new GoferStatFs(s.Type, s.Bsize, s.Blocks, s.Bfree, s.Bavail, s.Files, s.Ffree, s.NameLen, s.Frsize, s.Flags));
    }

    Reply Clunk(ClunkRequest q)
    {
        bool allKnown = true;
        foreach (var fid in q.Fids) allKnown &= _fids.Remove(fid);
        return new EmptyReply(Op.Clunk) { Err = allKnown ? Errno.None : Errno.EBADF };
    }
}
