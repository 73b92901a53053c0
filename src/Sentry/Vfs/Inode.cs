using AppKernel.Sentry.Kernel;

namespace AppKernel.Sentry.Vfs;

public readonly record struct DirEntry(string Name, ulong Ino, byte Type);

/// <summary>A file system object. File systems subclass it; the path walker and syscalls only see this.</summary>
public abstract class Inode
{
    /// <summary>Record locks and flocks on this inode (created at the first lock).</summary>
    public FileLocks? Locks;

    /// <summary>A FIFO's pipe, shared by every open of the node (created at the first open).</summary>
    public FileSystems.Pipe.PipeBuffer? Fifo;

    /// <summary>inotify watches on this inode (created at the first watch; see <see cref="Fsnotify"/>).</summary>
    public List<InotifyWatch>? Watches;
    /// <summary>Open file descriptions of this inode (O_PATH ones too), and whether its watches' DELETE_SELF waits
    /// for the last of them to close (Fsnotify.LinkRemoved).</summary>
    public int OpenFiles;
    public bool DeleteSelfPending;

    /// <summary>The Unix socket bound at this node (a socket file made by bind), while it is open.</summary>
    public Net.Unix.UnixSocket? BoundSocket;

    /// <summary>File type and permission bits (st_mode).</summary>
    public abstract uint Mode { get; }
    public bool IsDir => InodeMode.IsDir(Mode);
    public bool IsSymlink => InodeMode.IsLink(Mode);

    /// <summary>Whether the dentry cache may keep this directory's children (false for /proc's live views).</summary>
    public virtual bool CacheChildren => true;

    /// <summary>Whether a cached child still names what a lookup would find (Linux's d_revalidate): /proc's pid
    /// directories are looked up again once their task is gone, as the pid may name another task by then.</summary>
    public virtual bool Revalidate(string name, Inode cached) => true;

    public abstract Errno Stat(out LinuxStat st);

    /// <summary>The bound on the entries this inode's file system keeps (null: it keeps none it could drop); an
    /// overlay over this file system shares it, so one bound and one reclaim cover both.</summary>
    public virtual EntryCache? Entries => null;

    /// <summary>Whether the inode has no name left (unlinked while open, a removed directory, an O_TMPFILE).</summary>
    public virtual bool IsDeleted => false;

    /// <summary>Lookup during a path walk, told what follows name in the path (ahead: '/'-separated, maybe empty): a
    /// file system whose lookups are round trips may walk those names in the same one, for the lookups that follow.</summary>
    public virtual Errno Lookup(Task t, string name, ReadOnlySpan<char> ahead, out Inode? child) => Lookup(t, name, out child);

    public virtual Errno Lookup(Task t, string name, out Inode? child)
    {
        child = null;
        return IsDir ? Errno.ENOENT : Errno.ENOTDIR;
    }

    /// <summary>Lists the directory, without "." and "..".</summary>
    public virtual Errno ReadDir(Task t, List<DirEntry> into) => IsDir ? Errno.None : Errno.ENOTDIR;

    public virtual Errno ReadLink(Task t, out string target)
    {
        target = "";
        return Errno.EINVAL;
    }

    /// <summary>/proc's magic links resolve to a file directly rather than by their text.</summary>
    public virtual bool FollowMagic(Task t, out VfsPath target)
    {
        target = default;
        return false;
    }

    /// <summary>Opens the inode; path is where it was found (for /proc/self/fd and maps).</summary>
    public abstract Errno Open(Task t, VfsPath path, int flags, out FileDescription? fd);

    // Changes. A file system that cannot change (the read-only host view, /proc) keeps these defaults.
    // Callers have already resolved the parent, checked the name and looked for an existing entry.

    /// <summary>Creates a regular file (or FIFO/socket node) called name in this directory.</summary>
    public virtual Errno Create(Task t, string name, uint mode, out Inode? child)
    {
        child = null;
        return Errno.EROFS;
    }

    /// <summary>Creates a file with no name (O_TMPFILE) in this directory's file system; linkable: linkat may name it.</summary>
    public virtual Errno CreateUnnamed(Task t, uint mode, bool linkable, out Inode? child)
    {
        child = null;
        return Errno.EOPNOTSUPP;
    }

    public virtual Errno Mkdir(Task t, string name, uint mode) => Errno.EROFS;
    public virtual Errno Symlink(Task t, string name, string target) => Errno.EROFS;
    public virtual Errno Link(Task t, string name, Inode target) => Errno.EROFS;
    /// <summary>Removes name (a directory only when dir is true, which must then be empty).</summary>
    public virtual Errno Unlink(Task t, string name, bool dir) => Errno.EROFS;
    /// <summary>flags: RENAME_NOREPLACE (1), RENAME_EXCHANGE (2); the caller has checked the names and mounts.</summary>
    public virtual Errno Rename(Task t, string oldName, Inode newDir, string newName, uint flags) => Errno.EROFS;

    // Extended attributes. The syscall layer has checked the name's namespace, the flags and permissions.
    public virtual Errno GetXattr(string name, out byte[]? value)
    {
        value = null;
        return Errno.ENODATA;
    }

    public virtual Errno ListXattr(List<string> names) => Errno.None;
    /// <summary>flags: XATTR_CREATE (1) fails if it exists, XATTR_REPLACE (2) if it does not.</summary>
    public virtual Errno SetXattr(string name, byte[] value, int flags) => Errno.EOPNOTSUPP;
    public virtual Errno RemoveXattr(string name) => Errno.EOPNOTSUPP;

    // POSIX ACLs (system.posix_acl_access and _default). A file system that keeps them says so with SupportsAcl
    // (Linux's set_acl inode operation: tmpfs has it for everything but symlinks).
    public virtual bool SupportsAcl => false;
    public virtual PosixAcl? GetAcl(bool isDefault) => null;
    /// <summary>Replaces an ACL (null removes it) and changes ctime; for the access ACL also the permission bits
    /// that go with it (the syscall layer has made acl and mode agree).</summary>
    public virtual Errno SetAcl(bool isDefault, PosixAcl? acl, uint mode) => Errno.EOPNOTSUPP;

    /// <summary>The file was read or the directory listed through mount m: its access time may move (touch_atime).</summary>
    public virtual void Accessed(Mount m) { }

    public virtual Errno SetMode(uint perm) => Errno.EROFS;
    public virtual Errno SetOwner(uint uid, uint gid) => Errno.EROFS;
    public virtual Errno Truncate(long size) => Errno.EROFS;
    /// <summary>Sets access and modification times (nanoseconds since the epoch; null leaves one unchanged).</summary>
    public virtual Errno SetTimes(long? atimeNs, long? mtimeNs) => Errno.EROFS;
}
