using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.FileSystems.Cgroups;

/// <summary>
/// Moving tasks between cgroups: writes to cgroup.procs (a whole process) and cgroup.threads (one thread), and
/// clone3's CLONE_INTO_CGROUP. Linux's delegation rules: the mover (the file's opener, or the cloner) must be able
/// to write cgroup.procs of the common ancestor of source and destination; with nsdelegate both must lie inside its
/// cgroup namespace; the no-internal-process rule holds for the destination.
/// </summary>
public static class CgroupMigration
{
    public static Errno WriteProcs(Task t, CgroupOpenFile f, string text, bool threadgroup)
    {
        if (!int.TryParse(text.Trim(), out var pid) || pid < 0) return Errno.EINVAL;
        var task = pid == 0 ? t : t.PidNs.Lookup(pid);
        if (task == null) return Errno.ESRCH;
        if (threadgroup) task = task.Group.Leader;
        var dst = f.File.Cgroup;
        var h = dst.Hierarchy;
        List<Cgroup> changed;
        lock (h.Lock)
        {
            if (dst.Deleted) return Errno.ENODEV;
            var e = MayMigrate(f.Opener, f.Ns, h.Of(task), dst, threadgroup);
            if (e != Errno.None) return e;
            // An exiting or zombie process is not moved, yet the write succeeds (cgroup_migrate_add_src skips it).
            changed = h.MoveLocked(threadgroup ? task.Group.Threads() : [task], dst);
        }
        CgroupHierarchy.NotifyEvents(changed);
        return Errno.None;
    }

    /// <summary>cgroup_attach_permissions, with the caller holding the hierarchy's lock.</summary>
    static Errno MayMigrate(Credentials mover, CgroupNamespace ns, Cgroup src, Cgroup dst, bool threadgroup)
    {
        var common = src;
        while (!common.Contains(dst)) common = common.Parent!;
        if (Permissions.Check(mover, common.Files["cgroup.procs"], 2) != Errno.None) return Errno.EACCES;
        if (dst.Hierarchy.NsDelegate && (!ns.Root.Contains(src) || !ns.Root.Contains(dst))) return Errno.ENOENT;
        var e = VetDestination(dst);
        if (e != Errno.None) return e;
        // Every cgroup is its own domain here (no threaded subtrees), so a thread moves only within its cgroup.
        return !threadgroup && src != dst ? Errno.EOPNOTSUPP : Errno.None;
    }

    /// <summary>cgroup_migrate_vet_dst: the root takes tasks, as does a cgroup that could still be a thread root;
    /// otherwise one enabling controllers for its children may not (no internal processes: EBUSY).</summary>
    static Errno VetDestination(Cgroup dst)
    {
        if (dst.IsRoot) return Errno.None;
        bool populatedChild = dst.Children.Values.Any(c => c.Populated);
        if (!populatedChild && (dst.SubtreeControl & ~ControllerNames.Threaded) == 0) return Errno.None;
        return dst.SubtreeControl != 0 ? Errno.EBUSY : Errno.None;
    }

    /// <summary>clone3's CLONE_INTO_CGROUP (cgroup_css_set_fork): fd names a cgroup2 directory (EBADF) that still
    /// exists (ENOENT), whose cgroup.procs the caller may write (EACCES), and the move from the caller's cgroup
    /// passes the same rules as a write to it would.</summary>
    public static Errno ForkTarget(Task t, int fd, bool thread, out Cgroup? into)
    {
        into = null;
        using var fRef = t.Fds.Borrow(fd);
        if (fRef.File is not { } file) return Errno.EBADF;
        if (file.Inode is not Cgroup dst) return Errno.EBADF;
        var h = dst.Hierarchy;
        lock (h.Lock)
        {
            if (dst.Deleted) return Errno.ENOENT;
            if (Permissions.Check(t.Creds, dst.Files["cgroup.procs"], 2) != Errno.None) return Errno.EACCES;
            var e = MayMigrate(t.Creds, t.Ns.Cgroup, h.Of(t), dst, !thread);
            if (e != Errno.None) return e;
        }
        into = dst;
        return Errno.None;
    }
}
