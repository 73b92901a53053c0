using AppKernel.Sentry.Kernel;

namespace AppKernel.Sentry.Vfs;

/// <summary>Unix permission checks from the task's fs uid/gid and the file's mode.</summary>
public static class Permissions
{
    /// <summary>mode: 4 read, 2 write, 1 execute/search.</summary>
    public static Errno Check(Task t, Inode inode, int mode)
    {
        if (mode == 0) return Errno.None;
        if (t.Creds.Fsuid == 0 && (mode & 1) == 0) return Errno.None; // root reads and writes anything
        if (inode.Stat(out var st) != Errno.None) return Errno.EACCES;
        uint perm = st.Mode & 0x1ff;
        if (t.Creds.Fsuid == 0)
        {
            // Root may do anything but execute a file with no execute bit at all.
            if ((mode & 1) != 0 && !InodeMode.IsDir(st.Mode) && (perm & 0x49) == 0) return Errno.EACCES;
            return Errno.None;
        }
        uint bits = st.Uid == t.Creds.Fsuid ? (perm >> 6) & 7
            : t.Creds.InGroup(st.Gid) ? (perm >> 3) & 7
            : perm & 7;
        return ((uint)mode & ~bits) == 0 ? Errno.None : Errno.EACCES;
    }

    /// <summary>Search permission on a directory being walked through (free for root).</summary>
    public static Errno CheckSearch(Task t, Inode dir) =>
        t.Creds.Fsuid == 0 ? Errno.None : Check(t, dir, 1);

    /// <summary>In a sticky directory only the owner of an entry (or of the directory, or root) may remove or rename it.</summary>
    public static Errno CheckSticky(Task t, Inode dir, Inode victim)
    {
        if (t.Creds.Fsuid == 0 || dir.Stat(out var ds) != Errno.None || (ds.Mode & 0x200) == 0) return Errno.None;
        if (ds.Uid == t.Creds.Fsuid) return Errno.None;
        return victim.Stat(out var vs) == Errno.None && vs.Uid == t.Creds.Fsuid ? Errno.None : Errno.EPERM;
    }
}
