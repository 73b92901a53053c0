using Nr = AppKernel.Platform.Confinement.SysNr;

namespace AppKernel.Platform.Confinement;

/// <summary>
/// The gofer's seccomp policy: the file-serving calls plus what the NativeAOT .NET runtime and base library make
/// after start-up. The runtime's list was found with strace -f of `runsc confine-check --no-seccomp` (confined
/// as the gofer, then allocating, forcing GCs, starting threads/tasks/timers, locking, throwing, file and socket
/// I/O) and is re-checked by tests/Platform/ConfinementTests.cs, which runs the same load under this filter.
///
/// Default action: SECCOMP_RET_ERRNO(EPERM), not KILL_PROCESS. The .NET runtime and base library make
/// calls we do not list on paths the load did not hit, and some of them expect failure to be survivable: Socket
/// probes AF_INET/AF_INET6 support with socket(), Console asks ioctl(TCGETS), thread naming opens
/// /proc/self/task/N/comm. Under KILL one such call on a rare path would take the file server down in the middle
/// of a request; EPERM keeps it serving while the dangerous calls (mount, ptrace, unshare, setns, bpf, process
/// creation, new sockets, exec mappings, ...) are refused either way. Unknown architectures and x32 calls are
/// always killed. Switch to KILL once the gofer's own tests pass under <c>SeccompAction.Log</c> without entries.
///
/// The gofer confines itself first thing in its command action, before any Console output or thread, in this
/// order (each step needs what the next one takes away), exiting on any error:
/// <code>
/// MountJail.PivotInto(rootfs, out var why);                      // needs CAP_SYS_ADMIN
/// Capabilities.DropAllExcept(out why, Capabilities.Gofer);       // needs CAP_SETPCAP, prctl
/// GoferPolicy.Create().Install(out why);                         // forbids all of the above
/// </code>
/// </summary>
public static class GoferPolicy
{
    public static uint DefaultAction => SeccompAction.Errno(Errno.EPERM);

    /// <summary>Allowed whatever their arguments.</summary>
    public static readonly int[] Syscalls =
    {
        // serving files: the *at family on descriptors the gofer holds
        Nr.openat, Nr.close, Nr.read, Nr.write, Nr.pread64, Nr.pwrite64, Nr.readv, Nr.writev, Nr.preadv, Nr.pwritev,
        Nr.lseek, Nr.fstat, Nr.newfstatat, Nr.statx, Nr.fstatfs, Nr.getdents64, Nr.readlinkat, Nr.mkdirat, Nr.mknodat,
        Nr.symlinkat, Nr.linkat, Nr.unlinkat, Nr.renameat, Nr.renameat2, Nr.fchownat, Nr.fchown, Nr.fchmodat, Nr.fchmod,
        Nr.utimensat, Nr.ftruncate, Nr.fallocate, Nr.fsync, Nr.fdatasync, Nr.faccessat, Nr.faccessat2, Nr.flock,
        Nr.fgetxattr, Nr.fsetxattr, Nr.flistxattr, Nr.fremovexattr, Nr.fcntl, Nr.dup, Nr.dup3,
        // path calls of the base library's File/Directory (resolved inside the jail like their *at forms)
        Nr.stat, Nr.lstat, Nr.access, Nr.mkdir, Nr.rmdir, Nr.unlink, Nr.rename, Nr.symlink, Nr.readlink, Nr.chmod,
        // the connection to the Sentry (made before confinement; no new sockets)
        Nr.recvmsg, Nr.sendmsg, Nr.recvfrom, Nr.sendto, Nr.shutdown, Nr.getsockopt, Nr.getsockname, Nr.getpeername,
        Nr.poll, Nr.ppoll, Nr.epoll_create1, Nr.epoll_ctl, Nr.epoll_wait, Nr.epoll_pwait, Nr.pipe2, Nr.eventfd2,
        // memory (mmap/mprotect: below, without PROT_EXEC)
        Nr.munmap, Nr.madvise, Nr.mremap, Nr.brk, Nr.membarrier, Nr.sysinfo,
        // threads, synchronisation, signals, time
        Nr.futex, Nr.sched_yield, Nr.sched_getaffinity, Nr.set_robust_list, Nr.rseq, Nr.gettid, Nr.getpid,
        Nr.rt_sigprocmask, Nr.rt_sigaction, Nr.rt_sigreturn, Nr.sigaltstack, Nr.restart_syscall,
        Nr.nanosleep, Nr.clock_nanosleep, Nr.clock_gettime, Nr.getrusage, Nr.getrandom, Nr.uname,
        Nr.getuid, Nr.geteuid, Nr.getgid, Nr.getegid, Nr.capget, Nr.exit, Nr.exit_group,
    };

    // Flags glibc's pthread_create passes to clone: a thread, never a process.
    const ulong ThreadCloneFlags = 0x3d0f00;   // VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|PARENT_SETTID|CHILD_CLEARTID
    const ulong ProtExec = 4;
    const ulong AF_UNIX = 1;
    const int PR_SET_NAME = 15, PR_GET_NAME = 16, PR_CAPBSET_READ = 23, PR_GET_NO_NEW_PRIVS = 39;

    /// <summary>The filter: <see cref="Syscalls"/> plus the argument-checked rules below.</summary>
    public static SeccompFilter Create() => Create(DefaultAction);

    public static SeccompFilter Create(uint defaultAction)
    {
        var f = new SeccompFilter(defaultAction);
        f.Allow(Syscalls);
        // No executable memory: NativeAOT code is all in the image, mapped before confinement.
        f.AllowIf(Nr.mmap, new ArgMatch(2, 0, ProtExec));
        f.AllowIf(Nr.mprotect, new ArgMatch(2, 0, ProtExec));
        // Threads only. clone3 passes its flags in memory, where BPF cannot look: answer ENOSYS and glibc
        // (2.34+) falls back to clone, whose flags we check.
        f.AllowIf(Nr.clone, new ArgMatch(0, ThreadCloneFlags));
        f.Add(Nr.clone3, SeccompAction.Errno(Errno.ENOSYS));
        // Signals to our own threads only (the runtime's thread activation, pthread_kill).
        f.AllowIf(Nr.tgkill, new ArgMatch(0, (ulong)Environment.ProcessId, 0xffffffff));
        // Reading our own limits (pthread, GC), never setting them.
        f.AllowIf(Nr.prlimit64, new ArgMatch(0, 0, 0xffffffff), new ArgMatch(2, 0));
        // Thread names and reading our own confinement state.
        foreach (int op in new[] { PR_SET_NAME, PR_GET_NAME, PR_CAPBSET_READ, PR_GET_NO_NEW_PRIVS })
            f.AllowIf(Nr.prctl, new ArgMatch(0, (ulong)op, 0xffffffff));
        // The base library's Socket checks that AF_UNIX works (socket(AF_UNIX)) before it wraps an inherited
        // socket; a new unix socket is harmless as connect/bind/listen are not allowed. Other families: a clean
        // "not supported" for its IPv4/IPv6 probes.
        f.AllowIf(Nr.socket, new ArgMatch(0, AF_UNIX, 0xffffffff));
        f.Add(Nr.socket, SeccompAction.Errno(Errno.EAFNOSUPPORT));
        // Console's isatty.
        f.Add(Nr.ioctl, SeccompAction.Errno(Errno.ENOTTY));
        return f;
    }
}
