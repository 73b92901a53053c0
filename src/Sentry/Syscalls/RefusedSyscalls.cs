using AppKernel.Sentry.Kernel;
using static AppKernel.Sentry.Syscalls.SyscallTable;

namespace AppKernel.Sentry.Syscalls;

/// <summary>
/// Calls a container cannot make on Linux either, answered as Linux answers it, never ENOSYS, never reaching the
/// host: those that administer the host (modules, kexec, reboot, swap, accounting, the kernel log, port I/O,
/// io_uring, bpf, file handles) as to a process without the capability — EPERM after the checks Linux makes first —
/// and those Docker's default seccomp profile refuses. SyscallStates lists them in the syscall table.
/// </summary>
public static class RefusedSyscalls
{
    /// <summary>Host administration: EPERM as for a process without the capability.</summary>
    public static readonly int[] HostAdministration = { Nr.vhangup, Nr.acct, Nr.swapon, Nr.swapoff, Nr.reboot,
        Nr.init_module, Nr.finit_module, Nr.delete_module, Nr.kexec_load, Nr.kexec_file_load, Nr.lookup_dcookie, Nr.bpf,
        Nr.open_by_handle_at, Nr.io_uring_setup };

    /// <summary>What Docker's default seccomp profile refuses a container without CAP_SYS_ADMIN (EPERM): performance
    /// counters, fanotify, userfaultfd, quotas, the old ustat and LDT changes.
    /// None is the sandbox's to emulate for now, and none may reach the host.</summary>
    public static readonly int[] DockerRefused = { Nr.perf_event_open,
        Nr.fanotify_init, Nr.fanotify_mark, Nr.userfaultfd, Nr.quotactl, Nr.quotactl_fd, Nr.ustat, Nr.modify_ldt };

    const int AT_SYMLINK_FOLLOW = 0x400, AT_EMPTY_PATH = 0x1000;
    const ulong IO_BITMAP_BITS = 65536;

    public static void Register(SyscallHandler?[] t)
    {
        foreach (var nr in HostAdministration) t[nr] = (_, _, _, _, _, _, _) => Err(Errno.EPERM);
        foreach (var nr in DockerRefused) t[nr] = (_, _, _, _, _, _, _) => Err(Errno.EPERM);
        // Port I/O: lowering to level 0 or turning ports off is allowed, anything more needs CAP_SYS_RAWIO.
        t[Nr.iopl] = (_, level, _, _, _, _, _) => level > 3 ? Err(Errno.EINVAL) : level == 0 ? 0 : Err(Errno.EPERM);
        t[Nr.ioperm] = (_, from, num, on, _, _, _) =>
            from + num <= from || from + num > IO_BITMAP_BITS ? Err(Errno.EINVAL) : on != 0 ? Err(Errno.EPERM) : 0;
        // io_uring is disabled (as kernel.io_uring_disabled=2): no ring fd can exist to enter or register.
        t[Nr.io_uring_enter] = (k, fd, _, _, _, _, _) => NotARing(k, (int)fd);
        t[Nr.io_uring_register] = (k, fd, _, _, _, _, _) => NotARing(k, (int)fd);
        // No file system of the sandbox exports file handles.
        t[Nr.name_to_handle_at] = (_, _, _, _, _, flags, _) =>
            ((int)flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH)) != 0 ? Err(Errno.EINVAL) : Err(Errno.EOPNOTSUPP);
    }

    static long NotARing(Task t, int fd)
    {
        using var fRef = t.Fds.Borrow(fd);
        return fRef.File == null ? Err(Errno.EBADF) : Err(Errno.EOPNOTSUPP);
    }
}
