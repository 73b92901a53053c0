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

    /// <summary>x86-64 syscall numbers (asm/unistd_64.h) used by the policy.</summary>
    public static class Nr
    {
        public const int read = 0, write = 1, stat = 4, close = 3, fstat = 5, lstat = 6, poll = 7, lseek = 8, mmap = 9,
            mprotect = 10, munmap = 11, brk = 12, rt_sigaction = 13, rt_sigprocmask = 14, rt_sigreturn = 15, ioctl = 16,
            pread64 = 17, pwrite64 = 18, readv = 19, writev = 20, access = 21, sched_yield = 24, mremap = 25, madvise = 28,
            dup = 32, nanosleep = 35, getpid = 39, socket = 41, sendto = 44, recvfrom = 45, sendmsg = 46, recvmsg = 47,
            shutdown = 48, getsockname = 51, getpeername = 52, getsockopt = 55, clone = 56, exit = 60, uname = 63,
            fcntl = 72, flock = 73, fsync = 74, fdatasync = 75, ftruncate = 77, rename = 82, mkdir = 83, rmdir = 84,
            unlink = 87, symlink = 88, readlink = 89, chmod = 90, fchmod = 91, fchown = 93, getrusage = 98,
            sysinfo = 99, ptrace = 101, getuid = 102, getgid = 104, geteuid = 107, getegid = 108, capget = 125, sigaltstack = 131,
            fstatfs = 138, prctl = 157, mount = 165, gettid = 186, fsetxattr = 190, fgetxattr = 193, flistxattr = 196,
            fremovexattr = 199, futex = 202, sched_getaffinity = 204, getdents64 = 217, restart_syscall = 219,
            clock_gettime = 228, clock_nanosleep = 230, exit_group = 231, epoll_wait = 232, epoll_ctl = 233,
            tgkill = 234, openat = 257, mkdirat = 258, mknodat = 259, fchownat = 260, newfstatat = 262,
            unlinkat = 263, renameat = 264, linkat = 265, symlinkat = 266, readlinkat = 267, fchmodat = 268,
            faccessat = 269, ppoll = 271, set_robust_list = 273, unshare = 272, utimensat = 280, epoll_pwait = 281,
            fallocate = 285, eventfd2 = 290, epoll_create1 = 291, dup3 = 292, pipe2 = 293, preadv = 295,
            pwritev = 296, prlimit64 = 302, renameat2 = 316, getrandom = 318, membarrier = 324, statx = 332,
            rseq = 334, clone3 = 435, faccessat2 = 439;
    }
}
