using AppKernel.Sentry.FileSystems.Anon;
using AppKernel.Sentry.FileSystems.Proc;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;
using static AppKernel.Sentry.Syscalls.SyscallTable;

namespace AppKernel.Sentry.Syscalls;

/// <summary>
/// setns(2): join the namespace an nsfs file (/proc/[pid]/ns/*) names, or with a pidfd the namespaces of that
/// process chosen by CLONE_NEW* flags. User, mount, UTS and IPC namespaces change (a user namespace first: the
/// others are checked with the capabilities held there), and the PID namespace of the caller's children; the
/// sandbox has one of each other kind, so joining it is accepted as Linux accepts re-joining one's own.
/// </summary>
static class SetnsSyscalls
{
    public static void Register(SyscallHandler?[] t)
    {
        t[Nr.setns] = (k, fd, nstype, _, _, _, _) => Setns(k, (int)fd, (ulong)(uint)nstype);
    }

    const ulong AllTypes = Namespaces.Supported | Namespaces.Unsupported | Namespaces.CLONE_NEWUSER;

    static long Setns(Task t, int fd, ulong flags)
    {
        using var fRef = t.Fds.Borrow(fd); var f = fRef.File;
        if (f == null || (f.Flags & OpenFlags.O_PATH) != 0) return Err(Errno.EBADF);
        var ns = t.Ns;
        // The credentials the other kinds are checked with: the caller's, or those it has in a user namespace it joins first.
        var creds = t.Creds;
        UserNamespace? joined = null;
        if (f is NsFile nf)
        {
            var n = nf.Ns;
            if (flags != 0 && flags != n.Type) return Err(Errno.EINVAL);
            var e = n.Target is UserNamespace u ? JoinUser(t, u, ref creds, ref joined) : Install(t, creds, n.Type, n.Target, ref ns);
            if (e != Errno.None) return Err(e);
        }
        else if (f is PidFd pf)
        {
            // check_setns_flags: one or more namespace kinds, nothing else.
            if (flags == 0 || (flags & ~AllTypes) != 0) return Err(Errno.EINVAL);
            if (pf.Gone) return Err(Errno.ESRCH);
            var other = pf.Target.Ns;
            if ((flags & Namespaces.CLONE_NEWUSER) != 0)
            {
                var e = JoinUser(t, pf.Target.Creds.UserNs, ref creds, ref joined);
                if (e != Errno.None) return Err(e);
            }
            foreach (var (type, target) in new (ulong, object?)[] { (Namespaces.CLONE_NEWNS, other.Mnt), (Namespaces.CLONE_NEWUTS, other.Uts),
                         (Namespaces.CLONE_NEWIPC, other.Ipc), (Namespaces.CLONE_NEWPID, pf.Target.PidNs), (Namespaces.CLONE_NEWNET, null),
                         (Namespaces.CLONE_NEWCGROUP, other.Cgroup), (Namespaces.CLONE_NEWTIME, null) })
            {
                if ((flags & type) == 0) continue;
                var e = Install(t, creds, type, target, ref ns);
                if (e != Errno.None) return Err(e);
            }
        }
        else return Err(Errno.EINVAL);
        // All or nothing: the namespaces are swapped once every check passed.
        if (ns.Mnt != t.Ns.Mnt)
        {
            var root = ns.Mnt.RootPath;
            lock (t.Fs) { t.Fs.Root = root; t.Fs.Cwd = root; }
        }
        if (ns.Ipc != t.Ns.Ipc || (f is NsFile { Ns.Target: IpcNamespace }) || (f is PidFd && (flags & Namespaces.CLONE_NEWIPC) != 0))
            t.ExitSem(); // even when rejoining: the undo list belongs to the namespace left (Linux's ipcns_install)
        if (joined != null) t.Creds.EnterUserNs(joined);
        t.Ns = ns;
        return 0;
    }

    /// <summary>Linux's userns_install: another namespace than the caller's (EINVAL), a single-threaded caller with
    /// an fs context of its own (EINVAL), CAP_SYS_ADMIN in the namespace joined (EPERM). creds become what the caller
    /// will hold there.</summary>
    static Errno JoinUser(Task t, UserNamespace target, ref Credentials creds, ref UserNamespace? joined)
    {
        if (target == t.Creds.UserNs) return Errno.EINVAL;
        if (t.Group.Count > 1 || SharesFs(t)) return Errno.EINVAL;
        if (!t.Creds.HasIn(target, Credentials.CAP_SYS_ADMIN)) return Errno.EPERM;
        creds = t.Creds.Fork();
        creds.EnterUserNs(target);
        joined = target;
        return Errno.None;
    }

    /// <summary>One kind's checks (Linux's *_install): CAP_SYS_ADMIN over the namespace (in its owner) and in the
    /// caller's own user namespace (and CAP_SYS_CHROOT for a mount namespace), an fs context of the caller's own
    /// for a mount namespace.</summary>
    static Errno Install(Task t, Credentials c, ulong type, object? target, ref Namespaces ns)
    {
        var owner = target switch
        {
            MountNamespace m => m.Owner, UtsNamespace u => u.Owner, IpcNamespace i => i.Owner,
            FileSystems.Cgroups.CgroupNamespace cg => cg.Owner, _ => UserNamespace.Initial,
        };
        if (!c.HasIn(owner, Credentials.CAP_SYS_ADMIN) || !c.HasIn(c.UserNs, Credentials.CAP_SYS_ADMIN)) return Errno.EPERM;
        switch (target)
        {
            case MountNamespace mnt:
                if (!c.HasIn(c.UserNs, Credentials.CAP_SYS_CHROOT)) return Errno.EPERM;
                if (SharesFs(t)) return Errno.EINVAL;
                ns = ns with { Mnt = mnt };
                break;
            case UtsNamespace uts: ns = ns with { Uts = uts }; break;
            case PidNamespace pid:
                // Only the caller's own namespace or one below it; its children go there (Linux's pidns_install).
                if (!t.PidNs.IsAncestorOf(pid)) return Errno.EINVAL;
                ns = ns with { PidForChildren = pid };
                break;
            case IpcNamespace ipc: ns = ns with { Ipc = ipc }; break;
            case FileSystems.Cgroups.CgroupNamespace cg: ns = ns with { Cgroup = cg }; break;
        }
        return Errno.None;
    }

    /// <summary>Whether another task uses the caller's fs context (a thread, a CLONE_FS child): Linux's fs->users != 1.</summary>
    static bool SharesFs(Task t)
    {
        foreach (var other in t.Kernel.Tasks())
            if (other != t && !other.Exited && other.Fs == t.Fs) return true;
        return false;
    }
}
