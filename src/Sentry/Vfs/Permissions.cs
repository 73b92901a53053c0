using AppKernel.Sentry.Kernel;

namespace AppKernel.Sentry.Vfs;

/// <summary>Unix permission checks from the task's fs uid/gid and the file's mode.</summary>
public static class Permissions
{
    const uint S_IRWXG = 0x38;

    /// <summary>mode: 4 read, 2 write, 1 execute/search. The owner's bits, an access ACL's entries for anyone else
    /// (Linux's acl_permission_check), or the group and other bits; then the
    /// capabilities that override them (Linux's generic_permission): CAP_DAC_OVERRIDE reads and writes anything and
    /// executes a file with any execute bit; CAP_DAC_READ_SEARCH reads anything and searches any directory.</summary>
    public static Errno Check(Task t, Inode inode, int mode) => Check(t.Creds, inode, mode);

    /// <summary>The same check for credentials other than the caller's (a file's opener's, as cgroupfs asks).</summary>
    public static Errno Check(Credentials c, Inode inode, int mode)
    {
        if (mode == 0) return Errno.None;
        if ((mode & 1) == 0 && c.UserNs.Parent == null && c.Has(Credentials.CAP_DAC_OVERRIDE)) return Errno.None;
        if (inode.Stat(out var st) != Errno.None) return Errno.EACCES;
        if ((mode & 1) == 0 && c.HasOver(Credentials.CAP_DAC_OVERRIDE, st.Uid, st.Gid)) return Errno.None;
        uint perm = st.Mode & 0x1ff;
        bool granted;
        if (st.Uid == c.Fsuid) granted = ((uint)mode & ~((perm >> 6) & 7)) == 0;
        else if ((perm & S_IRWXG) != 0 && inode.GetAcl(isDefault: false) is { } acl) granted = acl.Permits(c, st.Uid, st.Gid, mode);
        else granted = ((uint)mode & ~(c.InGroup(st.Gid) ? (perm >> 3) & 7 : perm & 7)) == 0;
        if (granted) return Errno.None;
        bool dir = InodeMode.IsDir(st.Mode);
        if (c.HasOver(Credentials.CAP_DAC_OVERRIDE, st.Uid, st.Gid) && ((mode & 1) == 0 || dir || (perm & 0x49) != 0)) return Errno.None;
        if (c.HasOver(Credentials.CAP_DAC_READ_SEARCH, st.Uid, st.Gid) && (mode & 2) == 0 && ((mode & 1) == 0 || dir)) return Errno.None;
        return Errno.EACCES;
    }

    /// <summary>The permission bits a new file, directory or node in dir starts with: the umask's cut, except under
    /// a default ACL, which takes its place (the file system meets the two, posix_acl_create).</summary>
    public static uint CreationMode(Task t, Inode dir, uint mode) =>
        mode & 0xfff & ~(dir.GetAcl(isDefault: true) != null ? 0u : (uint)t.Fs.Umask);

    /// <summary>Search permission on a directory being walked through (free with CAP_DAC_OVERRIDE or
    /// CAP_DAC_READ_SEARCH; in a child user namespace only over a directory whose owner maps there, which Check asks).</summary>
    public static Errno CheckSearch(Task t, Inode dir) =>
        t.Creds.UserNs.Parent == null && (t.Creds.Has(Credentials.CAP_DAC_OVERRIDE) || t.Creds.Has(Credentials.CAP_DAC_READ_SEARCH)) ? Errno.None : Check(t, dir, 1);

    /// <summary>fs.protected_hardlinks, which is on (as distributions set it): /proc/sys/fs shows it.</summary>
    public const bool ProtectedHardlinks = true;

    /// <summary>Linux's may_linkat under protected_hardlinks: a file's owner (or CAP_FOWNER over it) may link it;
    /// anyone else only a safe source — a regular file, not set-user-ID, not executable set-group-ID, that they
    /// may read and write (EPERM otherwise).</summary>
    public static Errno CheckHardlinkSource(Task t, Inode inode)
    {
        if (!ProtectedHardlinks || inode.Stat(out var st) != Errno.None) return Errno.None;
        if (st.Uid == t.Creds.Fsuid || t.Creds.HasOver(Credentials.CAP_FOWNER, st.Uid, st.Gid)) return Errno.None;
        const uint S_ISUID = 0x800, S_ISGID = 0x400, S_IXGRP = 0x8;
        bool safe = InodeMode.IsReg(st.Mode) && (st.Mode & S_ISUID) == 0 && (st.Mode & (S_ISGID | S_IXGRP)) != (S_ISGID | S_IXGRP)
            && Check(t, inode, 4 | 2) == Errno.None;
        return safe ? Errno.None : Errno.EPERM;
    }

    /// <summary>In a sticky directory only the owner of an entry (or of the directory, or CAP_FOWNER) may remove or
    /// rename it.</summary>
    public static Errno CheckSticky(Task t, Inode dir, Inode victim)
    {
        if (dir.Stat(out var ds) != Errno.None || (ds.Mode & 0x200) == 0) return Errno.None;
        if (ds.Uid == t.Creds.Fsuid) return Errno.None;
        if (victim.Stat(out var vs) != Errno.None) return Errno.None;
        return vs.Uid == t.Creds.Fsuid || t.Creds.HasOver(Credentials.CAP_FOWNER, vs.Uid, vs.Gid) ? Errno.None : Errno.EPERM;
    }
}
