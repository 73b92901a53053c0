using System.Text;

namespace AppKernel.Sentry.Syscalls;

public enum SyscallState { Full, Partial, Refused, Absent }

/// <summary>
/// Where each x86-64 syscall stands, like gVisor's compatibility table: full (Linux's semantics, as the differential
/// tests check them), partial (what is missing), refused (what a container gets on Linux too) or absent (ENOSYS,
/// for numbers Linux 6.1 does not implement either). The table in SYSCALLS.md is generated from this and the
/// syscall table, and a test keeps the two equal; a number with no handler and no note here fails that test.
/// </summary>
public static class SyscallStates
{
    static readonly Dictionary<int, (SyscallState State, string Note)> Notes = Build();

    static Dictionary<int, (SyscallState, string)> Build()
    {
        var n = new Dictionary<int, (SyscallState, string)>();
        void Set(SyscallState s, string note, params int[] nrs) { foreach (var nr in nrs) n[nr] = (s, note); }

        foreach (var nr in RefusedSyscalls.HostAdministration)
            n[nr] = (SyscallState.Refused, "EPERM, as to a container without the capability");
        foreach (var nr in RefusedSyscalls.DockerRefused)
            n[nr] = (SyscallState.Refused, "EPERM, as Docker's default seccomp profile answers");
        Set(SyscallState.Refused, "io_uring is disabled (kernel.io_uring_disabled=2): no ring exists", Nr.io_uring_enter, Nr.io_uring_register);
        Set(SyscallState.Partial, "the sandbox's own few boot lines; CAP_SYSLOG needed as with dmesg_restrict=1; READ never waits", Nr.syslog);
        Set(SyscallState.Refused, "only lowering to level 0 or turning ports off succeeds", Nr.iopl, Nr.ioperm);
        Set(SyscallState.Refused, "EOPNOTSUPP: no file system exports handles", Nr.name_to_handle_at);
        Set(SyscallState.Refused, "a machine without protection keys (as this host): no key can be allocated", Nr.pkey_alloc, Nr.pkey_free);
        Set(SyscallState.Partial, "pkey -1 only (no protection keys)", Nr.pkey_mprotect);

        Set(SyscallState.Partial, "one NUMA node: policies are kept and reported, nothing moves",
            Nr.mbind, Nr.set_mempolicy, Nr.get_mempolicy, Nr.migrate_pages, Nr.move_pages, Nr.set_mempolicy_home_node);
        Set(SyscallState.Partial, "SCHED_OTHER/BATCH/IDLE only; real-time and deadline policies EPERM",
            Nr.sched_setscheduler, Nr.sched_setparam, Nr.sched_setattr);
        Set(SyscallState.Partial, "a sandbox-local key service (keyring, user, logon types); no request-key upcall (ENOKEY), no instantiation authority (EPERM); persistent, DH, public-key and notification operations EOPNOTSUPP",
            Nr.keyctl, Nr.request_key);
        Set(SyscallState.Partial, "every thread reports CPU 0; the preemption that aborts a critical section is the Sentry's 10 ms time slice (RseqPreempter)", Nr.rseq);
        Set(SyscallState.Partial, "no hardware debug registers (enabling DR7 is EIO: gdb watches in software with can-use-hw-watchpoints 0), no PEEKSIGINFO or seccomp filter dumps", Nr.ptrace);
        Set(SyscallState.Partial, "AF_UNIX, AF_INET/AF_INET6 (loopback or the host's), AF_NETLINK route; others EAFNOSUPPORT",
            Nr.socket, Nr.socketpair);
        Set(SyscallState.Partial, "the sandbox's own file system types", Nr.sysfs);
        Set(SyscallState.Partial, "user, mount, UTS, IPC, PID and cgroup namespaces; network and time ones EINVAL",
            Nr.unshare, Nr.setns);
        Set(SyscallState.Partial, "tmpfs, proc, sysfs, devpts, mqueue, cgroup2, bind, remount, move and propagation; no cgroup v1, block-device or overlay file systems (ENODEV)",
            Nr.mount);
        Set(SyscallState.Partial, "the file systems mount(2) makes; the message log stays empty (read ENODATA); binary, path and fd values are refused as no file system here takes one",
            Nr.fsconfig);
        Set(SyscallState.Partial, "no idmapped mounts (MOUNT_ATTR_IDMAP is EINVAL)", Nr.mount_setattr);
        Set(SyscallState.Partial, "SECCOMP_RET_TRACE answers ENOSYS (no tracer asks for seccomp stops)", Nr.seccomp);
        Set(SyscallState.Full, "Landlock ABI 6 (Linux 6.12's): file system rights, TCP port rules, signal and abstract-socket scopes; the audit-log flags of ABI 7 are EINVAL",
            Nr.landlock_create_ruleset, Nr.landlock_add_rule, Nr.landlock_restrict_self);
        Set(SyscallState.Partial, "reads, writes and syncs run at submit; POLL waits; no IOCB_CMD_* beyond those", Nr.io_submit);

        Set(SyscallState.Absent, "ENOSYS on Linux too: never implemented", Nr.getpmsg, Nr.putpmsg, Nr.afs_syscall,
            Nr.tuxcall, Nr.security, Nr.vserver, Nr.epoll_ctl_old, Nr.epoll_wait_old);
        Set(SyscallState.Absent, "ENOSYS on Linux too: removed (modules before 2.6, nfsservctl in 3.1, _sysctl in 5.5)",
            Nr.create_module, Nr.get_kernel_syms, Nr.query_module, Nr.nfsservctl, Nr._sysctl);
        Set(SyscallState.Absent, "ENOSYS, as a kernel without CONFIG_USELIB (Debian's, this host's)", Nr.uselib);
        Set(SyscallState.Absent, "ENOSYS, as a kernel without 32-bit emulation (this host, gVisor): 32-bit TLS segments",
            Nr.set_thread_area, Nr.get_thread_area);
        Set(SyscallState.Absent, "ENOSYS, as Linux 6.1 with secretmem off (its default)", Nr.memfd_secret);
        // cachestat (6.5), map_shadow_stack (6.6), futex_wake/wait/requeue (6.7), statmount, listmount and the LSM
        // calls (6.8), mseal (6.10): Nr names only those the Sentry uses.
        Set(SyscallState.Absent, "ENOSYS: newer than Linux 6.1", Nr.cachestat, Nr.mseal);
        Set(SyscallState.Absent, "ENOSYS: newer than Linux 6.1", Enumerable.Range(Nr.fchmodat2 + 1, Nr.mseal - Nr.fchmodat2 - 1).ToArray());
        Set(SyscallState.Absent, "ENOSYS, as gVisor: deprecated since Linux 3.16 (emulated there with mmap)", Nr.remap_file_pages);
        return n;
    }

    /// <summary>Whether x86-64 gives nr a call (unused numbers are named "syscall_N").</summary>
    static bool Numbered(int nr) => !SyscallNames.Names[nr].StartsWith("syscall_", StringComparison.Ordinal);

    public static (SyscallState State, string Note) Of(int nr)
    {
        if (Notes.TryGetValue(nr, out var s)) return s;
        return SyscallTable.Handlers[nr] != null ? (SyscallState.Full, "") : (SyscallState.Absent, "ENOSYS: not implemented");
    }

    /// <summary>Numbers with no handler that Linux 6.1 implements: each is a gap the table must not hide.</summary>
    public static IEnumerable<int> Unexplained() =>
        Enumerable.Range(0, SyscallNames.Count).Where(nr => SyscallTable.Handlers[nr] == null && !Notes.ContainsKey(nr)
            && Numbered(nr));

    /// <summary>Numbers with a handler that the notes call absent: a note left behind by a change.</summary>
    public static IEnumerable<int> Stale() =>
        Notes.Where(kv => kv.Value.State == SyscallState.Absent && SyscallTable.Handlers[kv.Key] != null)
            .Select(kv => kv.Key);

    /// <summary>SYSCALLS.md: every number with its state and note, and the counts.</summary>
    public static string Markdown()
    {
        var sb = new StringBuilder();
        var rows = Enumerable.Range(0, SyscallNames.Count).Where(Numbered)
            .Select(nr => (nr, Of(nr))).ToList();
        sb.Append("# Syscalls: what the Sentry implements\n\n");
        sb.Append("Generated from `SyscallStates` and the syscall table (`src/Sentry/Syscalls/SyscallStates.cs`); a test\n");
        sb.Append("keeps this file equal to it (`UPDATE_SYSCALL_TABLE=1 dotnet test --filter SyscallTableDoc` rewrites it).\n");
        sb.Append("**full**: Linux's semantics, as the differential tests check them; **partial**: what is missing;\n");
        sb.Append("**refused**: what a container gets on Linux too; **absent**: ENOSYS, as on Linux 6.1.\n\n");
        foreach (var g in rows.GroupBy(r => r.Item2.State).OrderBy(g => g.Key))
            sb.Append($"- {g.Key.ToString().ToLowerInvariant()}: {g.Count()}\n");
        sb.Append("\n| # | name | state | note |\n|---:|---|---|---|\n");
        foreach (var (nr, (state, note)) in rows)
            sb.Append($"| {nr} | {SyscallNames.Names[nr]} | {state.ToString().ToLowerInvariant()} | {note} |\n");
        return sb.ToString();
    }
}
