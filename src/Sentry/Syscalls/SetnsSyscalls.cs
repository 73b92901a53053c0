using AppKernel.Sentry.FileSystems.Anon;
using AppKernel.Sentry.FileSystems.Proc;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;
using static AppKernel.Sentry.Syscalls.SyscallTable;

namespace AppKernel.Sentry.Syscalls;

/// <summary>
/// setns(2): join the namespace an nsfs file (/proc/[pid]/ns/*) names, or with a pidfd the namespaces of that
/// process chosen by CLONE_NEW* flags. Mount, UTS and IPC namespaces change, and the PID namespace of the caller's children; the sandbox has one of each other
/// kind, so joining it is accepted as Linux accepts re-joining one's own (but for the user namespace: EINVAL).
/// </summary>
static class SetnsSyscalls
{
    public static void Register(SyscallHandler?[] t)
    {
        t[Nr.setns] = (k, fd, nstype, _, _, _, _) => Setns(k, (int)fd, (ulong)(uint)nstype);
    }

    const ulong AllTypes = Namespaces.Supported | Namespaces.Unsupported;

    static long Setns(Task t, int fd, ulong flags)
    {
        using var fRef = t.Fds.Borrow(fd); var f = fRef.File;
        if (f == null || (f.Flags & OpenFlags.O_PATH) != 0) return Err(Errno.EBADF);
        var ns = t.Ns;
        if (f is NsFile nf)
        {
            var n = nf.Ns;
            if (flags != 0 && flags != n.Type) return Err(Errno.EINVAL);
            var e = Install(t, n.Type, n.Target, ref ns);
            if (e != Errno.None) return Err(e);
        }
        else if (f is PidFd pf)
        {
            // check_setns_flags: one or more namespace kinds, nothing else.
            if (flags == 0 || (flags & ~AllTypes) != 0) return Err(Errno.EINVAL);
            if (pf.Gone) return Err(Errno.ESRCH);
            var other = pf.Target.Ns;
            if ((flags & Namespaces.CLONE_NEWUSER) != 0) return Err(Errno.EINVAL); // the same user namespace
            foreach (var (type, target) in new (ulong, object?)[] { (Namespaces.CLONE_NEWNS, other.Mnt), (Namespaces.CLONE_NEWUTS, other.Uts),
                         (Namespaces.CLONE_NEWIPC, other.Ipc), (Namespaces.CLONE_NEWPID, pf.Target.PidNs), (Namespaces.CLONE_NEWNET, null),
                         (Namespaces.CLONE_NEWCGROUP, null), (Namespaces.CLONE_NEWTIME, null) })
            {
                if ((flags & type) == 0) continue;
                var e = Install(t, type, target, ref ns);
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
        t.Ns = ns;
        return 0;
    }

    /// <summary>One kind's checks (Linux's *_install): CAP_SYS_ADMIN (and CAP_SYS_CHROOT for a mount namespace),
    /// an fs context of the caller's own for a mount namespace; the user namespace is the caller's own (EINVAL).</summary>
    static Errno Install(Task t, ulong type, object? target, ref Namespaces ns)
    {
        if (type == Namespaces.CLONE_NEWUSER) return Errno.EINVAL;
        if (!t.Creds.Has(Credentials.CAP_SYS_ADMIN)) return Errno.EPERM;
        switch (target)
        {
            case MountNamespace mnt:
                if (!t.Creds.Has(Credentials.CAP_SYS_CHROOT)) return Errno.EPERM;
                if (SharesFs(t)) return Errno.EINVAL;
                ns = ns with { Mnt = mnt };
                break;
            case UtsNamespace uts: ns = ns with { Uts = uts }; break;
            case PidNamespace pid:
                // Only the caller's own namespace or one below it; its children go there (Linux's pidns_install).
                if (!t.PidNs.IsAncestorOf(pid)) return Errno.EINVAL;
                ns = ns with { PidForChildren = pid };
                break;
            case IpcNamespace ipc:
                t.ExitSem(); // the undo list belongs to the namespace left (Linux's ipcns_install)
                ns = ns with { Ipc = ipc };
                break;
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
