using AppKernel.Gofer.Native;
using AppKernel.Gofer.Protocol;
using static Tmds.Linux.LibC;

namespace AppKernel.Gofer.Server;

/// <summary>Create, Mkdir, Mknod, Symlink, Link, Unlink, Rename: all EROFS on a read-only server.</summary>
public sealed unsafe partial class GoferServer
{
    const uint PermBits = 0xFFF; // 07777
    const uint S_ISGID = 0x400;  // 02000

    /// <summary>The checks every change starts with: the directory fid exists, the server is writable, a fid is free.</summary>
    Errno BeginChange(ulong dirFid, out Node dir, bool needsFid)
    {
        if (!_fids.TryGet(dirFid, out dir)) return Errno.EBADF;
        if (!_writable) return Errno.EROFS;
        if (needsFid && _fids.Full) return Errno.ENFILE;
        return Errno.None;
    }

    /// <summary>
    /// Finishes a node just made as dir/name and held as the O_PATH <paramref name="pathFd"/>: gives it its owner,
    /// then the exact permission bits asked for (the umask and chown's clearing of set-id bits would change
    /// them), and a fid. On failure the node is removed again and <paramref name="pathFd"/> closed.
    /// </summary>
    Errno Settle(int dirFd, ReadOnlySpan<byte> name, int pathFd, uint uid, uint gid, uint? mode, bool isDir, out ulong fid, out GoferStat st)
    {
        fid = 0;
        st = default;
        var e = Errno.None;
        fixed (byte* empty = "\0"u8)
            if (fchownat(pathFd, empty, uid, gid, GoferSys.AT_EMPTY_PATH) < 0) e = LastErrno;
        if (e == Errno.None && mode is uint m)
        {
            e = StatFd(pathFd, out var hst);
            // mkdir keeps a set-group-id bit inherited from the parent and ignores set-user-id, as Linux does.
            uint want = isDir ? (m & 0x3FF) | (hst.Mode & S_ISGID) : m & PermBits;
            if (e == Errno.None && (hst.Mode & PermBits) != want) e = ChmodHeld(pathFd, want);
        }
        if (e == Errno.None) return Adopt(pathFd, out fid, out st); // closes pathFd itself on failure
        close(pathFd);
        fixed (byte* p = name) unlinkat(dirFd, p, isDir ? GoferSys.AT_REMOVEDIR : 0);
        return e;
    }

    /// <summary>chmod of the inode behind a held fd (fchmod does not work on O_PATH fds).</summary>
    Errno ChmodHeld(int fd, uint mode)
    {
        Span<byte> n = stackalloc byte[16];
        CStr.Fd(fd, n);
        fixed (byte* p = n)
            if (fchmodat(_procFd, p, (Tmds.Linux.mode_t)mode, 0) < 0) return LastErrno;
        return Errno.None;
    }

    /// <summary>openat(dir, name, O_PATH|O_NOFOLLOW): the node of one name (a walk's, or one just made), never through a
    /// symlink.</summary>
    static int OpenNoFollow(int dirFd, ReadOnlySpan<byte> name, int extra)
    {
        fixed (byte* p = name) return openat(dirFd, p, GoferSys.O_PATH | GoferSys.O_NOFOLLOW | GoferSys.O_CLOEXEC | extra, 0);
    }

    Reply Create(CreateRequest q, out int donate)
    {
        donate = -1;
        var e = BeginChange(q.DirFid, out var dir, needsFid: true);
        if (e != Errno.None) return Fail(Op.Create, e);
        int acc = q.Flags & Wire.O_ACCMODE;
        if ((q.Flags & ~Wire.AllowedOpenFlags) != 0 || acc == Wire.O_ACCMODE) return Fail(Op.Create, Errno.EINVAL);
        Span<byte> name = stackalloc byte[CStr.NameBuf];
        if (!CStr.Put(q.Name, name)) return Fail(Op.Create, Errno.ENAMETOOLONG);
        int fd;
        fixed (byte* p = name)
            fd = openat(dir.Fd, p, q.Flags | GoferSys.O_CREAT | GoferSys.O_EXCL | GoferSys.O_NOFOLLOW | GoferSys.O_CLOEXEC | GoferSys.O_NOCTTY,
                (Tmds.Linux.mode_t)(q.Mode & PermBits));
        if (fd < 0) return Fail(Op.Create, LastErrno);
        int pathFd = Reopen(fd, GoferSys.O_PATH);
        if (pathFd < 0)
        {
            e = LastErrno;
            close(fd);
            fixed (byte* p = name) unlinkat(dir.Fd, p, 0);
            return Fail(Op.Create, e);
        }
        e = Settle(dir.Fd, name, pathFd, q.Uid, q.Gid, q.Mode, isDir: false, out ulong fid, out var st);
        if (e != Errno.None)
        {
            close(fd);
            return Fail(Op.Create, e);
        }
        donate = fd;
        return new FidStatReply(Op.Create, fid, st);
    }

    Reply Mkdir(MkdirRequest q)
    {
        var e = BeginChange(q.DirFid, out var dir, needsFid: true);
        if (e != Errno.None) return Fail(Op.Mkdir, e);
        Span<byte> name = stackalloc byte[CStr.NameBuf];
        if (!CStr.Put(q.Name, name)) return Fail(Op.Mkdir, Errno.ENAMETOOLONG);
        fixed (byte* p = name)
            if (mkdirat(dir.Fd, p, (Tmds.Linux.mode_t)(q.Mode & 0x3FF)) < 0) return Fail(Op.Mkdir, LastErrno);
        int pathFd = OpenNoFollow(dir.Fd, name, GoferSys.O_DIRECTORY);
        if (pathFd < 0) return Fail(Op.Mkdir, LastErrno);
        e = Settle(dir.Fd, name, pathFd, q.Uid, q.Gid, q.Mode, isDir: true, out ulong fid, out var st);
        return e != Errno.None ? Fail(Op.Mkdir, e) : new FidStatReply(Op.Mkdir, fid, st);
    }

    Reply Mknod(MknodRequest q)
    {
        var e = BeginChange(q.DirFid, out var dir, needsFid: true);
        if (e != Errno.None) return Fail(Op.Mknod, e);
        uint type = q.Mode & GoferSys.S_IFMT;
        if (type == 0) type = GoferSys.S_IFREG;
        // Only FIFOs, sockets and regular files: the gofer never makes device nodes.
        if (type != GoferSys.S_IFIFO && type != GoferSys.S_IFSOCK && type != GoferSys.S_IFREG) return Fail(Op.Mknod, Errno.EPERM);
        Span<byte> name = stackalloc byte[CStr.NameBuf];
        if (!CStr.Put(q.Name, name)) return Fail(Op.Mknod, Errno.ENAMETOOLONG);
        fixed (byte* p = name)
            if (GoferSys.mknodat(dir.Fd, p, type | (q.Mode & PermBits), 0) < 0) return Fail(Op.Mknod, (Errno)GoferSys.Errno);
        int pathFd = OpenNoFollow(dir.Fd, name, 0);
        if (pathFd < 0) return Fail(Op.Mknod, LastErrno);
        e = Settle(dir.Fd, name, pathFd, q.Uid, q.Gid, q.Mode, isDir: false, out ulong fid, out var st);
        return e != Errno.None ? Fail(Op.Mknod, e) : new FidStatReply(Op.Mknod, fid, st);
    }

    Reply Symlink(SymlinkRequest q)
    {
        var e = BeginChange(q.DirFid, out var dir, needsFid: true);
        if (e != Errno.None) return Fail(Op.Symlink, e);
        Span<byte> name = stackalloc byte[CStr.NameBuf];
        Span<byte> target = stackalloc byte[CStr.PathBuf];
        if (!CStr.Put(q.Name, name) || !CStr.Put(q.Target, target)) return Fail(Op.Symlink, Errno.ENAMETOOLONG);
        fixed (byte* t = target)
        fixed (byte* p = name)
            if (symlinkat(t, dir.Fd, p) < 0) return Fail(Op.Symlink, LastErrno);
        int pathFd = OpenNoFollow(dir.Fd, name, 0);
        if (pathFd < 0) return Fail(Op.Symlink, LastErrno);
        // fchownat(AT_EMPTY_PATH) on an O_PATH fd of a symlink changes the symlink itself.
        e = Settle(dir.Fd, name, pathFd, q.Uid, q.Gid, null, isDir: false, out ulong fid, out var st);
        return e != Errno.None ? Fail(Op.Symlink, e) : new FidStatReply(Op.Symlink, fid, st);
    }

    Reply Link(LinkRequest q)
    {
        var e = BeginChange(q.DirFid, out var dir, needsFid: false);
        if (e != Errno.None) return Fail(Op.Link, e);
        if (!_fids.TryGet(q.TargetFid, out var target)) return Fail(Op.Link, Errno.EBADF);
        Span<byte> name = stackalloc byte[CStr.NameBuf];
        if (!CStr.Put(q.Name, name)) return Fail(Op.Link, Errno.ENAMETOOLONG);
        // Links the held inode itself: /proc/self/fd/N followed once (a symlink target fid links the symlink).
        // linkat(fd, "", AT_EMPTY_PATH) would need CAP_DAC_READ_SEARCH.
        Span<byte> src = stackalloc byte[16];
        CStr.Fd(target.Fd, src);
        fixed (byte* s = src)
        fixed (byte* p = name)
            if (GoferSys.linkat(_procFd, s, dir.Fd, p, GoferSys.AT_SYMLINK_FOLLOW) < 0) return Fail(Op.Link, (Errno)GoferSys.Errno);
        e = StatFd(target.Fd, out var st);
        return e != Errno.None ? Fail(Op.Link, e) : new StatReply(Op.Link, st.ToGofer());
    }

    Reply Unlink(UnlinkRequest q)
    {
        var e = BeginChange(q.DirFid, out var dir, needsFid: false);
        if (e != Errno.None) return Fail(Op.Unlink, e);
        Span<byte> name = stackalloc byte[CStr.NameBuf];
        if (!CStr.Put(q.Name, name)) return Fail(Op.Unlink, Errno.ENAMETOOLONG);
        fixed (byte* p = name)
            if (unlinkat(dir.Fd, p, q.RemoveDir ? GoferSys.AT_REMOVEDIR : 0) < 0) return Fail(Op.Unlink, LastErrno);
        return new EmptyReply(Op.Unlink);
    }

    Reply Rename(RenameRequest q)
    {
        var e = BeginChange(q.OldDirFid, out var oldDir, needsFid: false);
        if (e != Errno.None) return Fail(Op.Rename, e);
        if (!_fids.TryGet(q.NewDirFid, out var newDir)) return Fail(Op.Rename, Errno.EBADF);
        if ((q.Flags & ~(Wire.RENAME_NOREPLACE | Wire.RENAME_EXCHANGE)) != 0 ||
            q.Flags == (Wire.RENAME_NOREPLACE | Wire.RENAME_EXCHANGE)) return Fail(Op.Rename, Errno.EINVAL);
        Span<byte> oldName = stackalloc byte[CStr.NameBuf];
        Span<byte> newName = stackalloc byte[CStr.NameBuf];
        if (!CStr.Put(q.OldName, oldName) || !CStr.Put(q.NewName, newName)) return Fail(Op.Rename, Errno.ENAMETOOLONG);
        fixed (byte* o = oldName)
        fixed (byte* n = newName)
            if (GoferSys.renameat2(oldDir.Fd, o, newDir.Fd, n, q.Flags) < 0) return Fail(Op.Rename, (Errno)GoferSys.Errno);
        return new EmptyReply(Op.Rename);
    }
}
