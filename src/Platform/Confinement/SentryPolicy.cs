using Nr = AppKernel.Platform.Confinement.SysNr;

namespace AppKernel.Platform.Confinement;

/// <summary>
/// The Sentry's seccomp policy, installed (TSYNC) once the kernel is built and before guest code runs. It holds the
/// calls of the NativeAOT runtime (<see cref="GoferPolicy.Syscalls"/>), of the ptrace platform (tracing, reading and
/// writing stubs, spawning them from memfds, waiting for them) and of the stubs themselves: a stub is exec'd by the
/// filtered Sentry and inherits the filter, and the calls the Sentry injects into it (mmap, mprotect, clone, ...) pass
/// through it. A guest's own syscalls never run: PTRACE_SYSEMU stops them before seccomp, and on systrap the stub's
/// own filter, stacked on this one, answers TRAP for them, which wins over this filter's ALLOW and ERRNO (only a KILL
/// here would win, and there is none).
///
/// The list was found by running the test suites under <see cref="SeccompAction.Log"/> and reading the kernel's
/// audit records. Default action: EPERM, logged (SECCOMP_FILTER_FLAG_LOG). Refused, among the rest:
/// mount/umount/pivot_root/chroot/unshare/setns, module, kexec, bpf, perf, keyring, reboot, swap, io_uring,
/// quotactl, acct, name_to_handle_at/open_by_handle_at, connect, sockets other than AF_UNIX. Path calls are allowed:
/// the jail's root holds only /proc and /dev/null.
/// </summary>
public static class SentryPolicy
{
    public static uint DefaultAction => SeccompAction.Errno(Errno.EPERM);
    const ulong AF_UNIX = 1, AF_INET = 2, AF_INET6 = 10, SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_TYPE_MASK = 0xf;

    static readonly int[] Platform =
    {
        Nr.ptrace, Nr.process_vm_readv, Nr.process_vm_writev, Nr.wait4, Nr.waitid, Nr.kill, Nr.tkill, Nr.tgkill,
        Nr.memfd_create, Nr.pidfd_open, Nr.pidfd_send_signal, Nr.pidfd_getfd, Nr.clone, Nr.vfork, Nr.fork, Nr.execve,
        Nr.execveat, Nr.dup2, Nr.setsid, Nr.getppid, Nr.set_tid_address, Nr.arch_prctl, Nr.mprotect, Nr.mmap,
        Nr.prlimit64, Nr.prctl, Nr.socketpair, Nr.accept4, Nr.accept, Nr.bind, Nr.listen,
        Nr.timerfd_create, Nr.timerfd_settime, Nr.timerfd_gettime, Nr.sched_setaffinity, Nr.setpriority,
        Nr.getpriority, Nr.sched_getparam, Nr.sched_getscheduler, Nr.getcwd, Nr.chdir, Nr.fchdir, Nr.ioctl,
        Nr.sendfile, Nr.splice, Nr.tee, Nr.copy_file_range, Nr.fadvise64, Nr.mincore, Nr.msync, Nr.times,
        Nr.getpgid, Nr.setpgid, Nr.getsid, Nr.getgroups, Nr.getresuid, Nr.getresgid, Nr.select, Nr.pselect6,
        Nr.epoll_pwait2, Nr.statfs, Nr.getdents, Nr.pause, Nr.alarm, Nr.setitimer, Nr.getitimer, Nr.timer_create,
        Nr.timer_settime, Nr.timer_delete, Nr.rt_sigtimedwait, Nr.rt_sigqueueinfo, Nr.rt_tgsigqueueinfo,
        Nr.rt_sigsuspend, Nr.rt_sigpending, Nr.signalfd4, Nr.sync_file_range, Nr.readahead, Nr.close_range,
        Nr.get_robust_list, Nr.sched_setscheduler, Nr.sched_get_priority_max, Nr.sched_get_priority_min,
        Nr.clock_getres, Nr.gettimeofday, Nr.time, Nr.mlock, Nr.munlock, Nr.fcntl, Nr.creat, Nr.open, Nr.truncate,
        Nr.umask, Nr.setrlimit, Nr.getrlimit, Nr.get_mempolicy, Nr.poll, Nr.link, Nr.chown, Nr.lchown,
    };

    public static SeccompFilter Create(bool hostNetwork = false) => Create(DefaultAction, hostNetwork);

    /// <summary>With hostNetwork (`--network=host`) the guest's TCP/UDP sockets are host sockets the Sentry holds:
    /// socket() may also make AF_INET/AF_INET6 stream and datagram sockets (no raw, no packet, no netlink), and
    /// connect and setsockopt are allowed.</summary>
    public static SeccompFilter Create(uint defaultAction, bool hostNetwork = false)
    {
        var f = new SeccompFilter(defaultAction);
        foreach (var nr in GoferPolicy.Syscalls.Concat(Platform).Distinct()) f.Allow(nr);
        // clone3's flags are in memory, where BPF cannot look; the Sentry needs clone's whole (stubs' forks,
        // posix_spawn's vfork), so clone3 is no wider. Refusing it would log every thread glibc starts.
        f.Allow(Nr.clone3);
        // Unix sockets only (the control socket; the gofer's are socketpairs): the Sentry has no host network.
        f.AllowIf(Nr.socket, new ArgMatch(0, AF_UNIX, 0xffffffff));
        if (hostNetwork)
        {
            foreach (var family in new[] { AF_INET, AF_INET6 })
                foreach (var type in new[] { SOCK_STREAM, SOCK_DGRAM })
                    f.AllowIf(Nr.socket, new ArgMatch(0, family, 0xffffffff), new ArgMatch(1, type, SOCK_TYPE_MASK));
            f.Allow(Nr.connect, Nr.setsockopt);
        }
        f.Add(Nr.socket, SeccompAction.Errno(Errno.EAFNOSUPPORT));
        return f;
    }
}
