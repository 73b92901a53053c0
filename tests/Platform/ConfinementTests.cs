using AppKernel.Platform.Confinement;
using AppKernel.Tests.EndToEnd;
using Xunit;

namespace AppKernel.Tests.Platform.Confinement;

/// <summary>A fact that needs root with CAP_SYS_ADMIN (mount namespaces, pivot_root); skipped otherwise.</summary>
public sealed class NeedsSysAdminFactAttribute : FactAttribute
{
    public NeedsSysAdminFactAttribute()
    {
        if (!HasSysAdmin(out string why)) Skip = why;
    }

    static bool HasSysAdmin(out string why)
    {
        why = "";
        try
        {
            foreach (var line in File.ReadAllLines("/proc/self/status"))
                if (line.StartsWith("CapEff:") && (Convert.ToUInt64(line[7..].Trim(), 16) & (1UL << 21)) != 0) return true;
        }
        catch (IOException e) { why = $"cannot read /proc/self/status: {e.Message}"; return false; }
        why = "needs CAP_SYS_ADMIN (run as root) for unshare(CLONE_NEWNS) and pivot_root";
        return false;
    }
}

/// <summary>
/// Confinement changes process state for good, so it is tested in a child: `out/runsc confine-check` pivots into a
/// directory, drops capabilities to the gofer's, installs the gofer's seccomp filter, then probes from its main
/// thread, the .NET finalizer thread and a thread started afterwards, and runs a file-server-like load.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class ConfinementTests : IDisposable
{
    readonly string dir = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "confine-" + Guid.NewGuid().ToString("N"))).FullName;
    readonly string root;
    readonly string outside;

    public ConfinementTests()
    {
        root = Directory.CreateDirectory(Path.Combine(dir, "root")).FullName;
        File.WriteAllText(Path.Combine(root, "confine-check.txt"), "inside-7\n");
        outside = Path.Combine(dir, "outside.txt");
        File.WriteAllText(outside, "host secret\n");
    }

    public void Dispose()
    {
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    ProcResult Check(params string[] extra) =>
        RunscHarness.Run(RunscHarness.RunscPath, new[] { "confine-check", "--root", root, "--outside", outside }.Concat(extra));

    static string[] Lines(ProcResult r) => r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    static readonly string[] Threads = { "main", "finalizer", "new-thread" };

    static void AssertOk(ProcResult r, string name, string? contains = null)
    {
        var line = Lines(r).FirstOrDefault(l => l.StartsWith(name + ": "));
        Assert.True(line != null, $"no line for {name}\n{r}");
        Assert.True(line!.StartsWith(name + ": ok"), $"{line}\n{r}");
        if (contains != null) Assert.Contains(contains, line);
    }

    [NeedsSysAdminFact]
    public void Gofer_confinement_holds_on_every_thread()
    {
        var r = Check();
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.DoesNotContain(Lines(r), l => l.Contains(": FAIL"));
        Assert.Contains("threads-at-start: 2", Lines(r));               // main and .NET Finalizer, nothing else
        AssertOk(r, "pivot");
        AssertOk(r, "drop-caps");
        AssertOk(r, "seccomp", "default=errno(EPERM)");
        foreach (var t in Threads)
        {
            AssertOk(r, $"{t}-read-inside", "content=inside-7");
            AssertOk(r, $"{t}-host-etc-hostname-hidden", "ENOENT");
            AssertOk(r, $"{t}-host-outside-hidden", "ENOENT");
            AssertOk(r, $"{t}-proc-hidden", "ENOENT");
            AssertOk(r, $"{t}-dotdot-stays");
            AssertOk(r, $"{t}-caps", "eff=1f prm=1f inh=1f bnd=1f nnp=1");
            AssertOk(r, $"{t}-mount-denied", "EPERM");
            AssertOk(r, $"{t}-ptrace-denied", "EPERM");
            AssertOk(r, $"{t}-unshare-denied", "EPERM");
        }
        AssertOk(r, "threadpool-read-inside");
        Assert.Contains("seccomp-status: 2 nnp=1", Lines(r));             // SECCOMP_MODE_FILTER
        AssertOk(r, "workload", "alloc-gc,threads,tasks,locks,time,exceptions,files,socket,console");
        Assert.Equal("inside-7\n", File.ReadAllText(Path.Combine(root, "confine-check.txt")));
        Assert.False(Directory.Exists(Path.Combine(root, "work-dir")), "the load cleans up after itself");
    }

    /// <summary>The Sentry's own confinement (SentryJail + SentryPolicy), probed from inside on two threads: no host
    /// files, no capabilities, seccomp mode 2; mount, unshare, an IP socket and add_key refused (the last two by the
    /// filter alone: they need no privilege).</summary>
    [NeedsSysAdminFact]
    public void Sentry_confinement_refuses_what_it_does_not_need()
    {
        var r = RunscHarness.Run(RunscHarness.RunscPath, ["confine-check", "--sentry"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        AssertOk(r, "confine");
        foreach (var t in new[] { "main", "new-thread" })
        {
            AssertOk(r, $"{t}-status");
            AssertOk(r, $"{t}-host-files-hidden", "ENOENT");
            AssertOk(r, $"{t}-mount-denied", "EPERM");
            AssertOk(r, $"{t}-unshare-denied", "EPERM");
            AssertOk(r, $"{t}-inet-socket-denied", "EAFNOSUPPORT");
            AssertOk(r, $"{t}-add-key-denied", "EPERM");
            AssertOk(r, $"{t}-unix-socket");
        }
    }

    [NeedsSysAdminFact]
    public void Kill_default_passes_the_load_then_kills_on_a_forbidden_call()
    {
        var r = Check("--default", "kill");
        Assert.True(r.ExitCode == 128 + 31, $"expected death by SIGSYS\n{r}");
        Assert.DoesNotContain(Lines(r), l => l.Contains(": FAIL") || l.Contains("survived"));
        AssertOk(r, "seccomp", "default=kill-process");
        AssertOk(r, "workload");
        Assert.Equal("kill-probe: calling ptrace", Lines(r).Last());
    }

    [NeedsSysAdminFact]
    public void Without_seccomp_the_dropped_capabilities_still_refuse_mount()
    {
        var r = Check("--no-seccomp");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.DoesNotContain(Lines(r), l => l.Contains(": FAIL"));
        Assert.Contains("seccomp-status: 0 nnp=1", Lines(r));
        foreach (var t in Threads)
        {
            AssertOk(r, $"{t}-mount-denied", "EPERM");
            AssertOk(r, $"{t}-unshare-denied", "EPERM");
            AssertOk(r, $"{t}-host-outside-hidden", "ENOENT");
        }
    }

    [NeedsSysAdminFact]
    public void A_third_thread_makes_confinement_refuse()
    {
        var r = Check("--busy");
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains(Lines(r), l => l.StartsWith("pivot: FAIL EBUSY") && l.Contains("3 threads"));
    }
}

/// <summary>The BPF program itself, run by a small classic-BPF interpreter (no process state touched).</summary>
public sealed class SeccompFilterTests
{
    const uint Arch = SeccompFilter.AuditArchX86_64;
    static readonly uint Eperm = SeccompAction.Errno(AppKernel.Errno.EPERM);

    /// <summary>Runs a seccomp program on (arch, nr, args) like the kernel: only the instructions the builder emits.</summary>
    static uint Run(SockFilter[] prog, int nr, ulong[]? args = null, uint arch = Arch)
    {
        var data = new byte[64];
        BitConverter.TryWriteBytes(data.AsSpan(0), nr);
        BitConverter.TryWriteBytes(data.AsSpan(4), arch);
        for (int i = 0; i < (args?.Length ?? 0); i++) BitConverter.TryWriteBytes(data.AsSpan(16 + 8 * i), args![i]);
        uint a = 0;
        for (int pc = 0; pc < prog.Length; pc++)
        {
            var ins = prog[pc];
            switch (ins.Code)
            {
                case 0x20: a = BitConverter.ToUInt32(data, (int)ins.K); break;
                case 0x54: a &= ins.K; break;
                case 0x15: pc += a == ins.K ? ins.Jt : ins.Jf; break;
                case 0x35: pc += a >= ins.K ? ins.Jt : ins.Jf; break;
                case 0x06: return ins.K;
                default: throw new InvalidOperationException($"unexpected opcode {ins.Code:x}");
            }
            Assert.True(pc + 1 <= prog.Length, "jump past the end");
        }
        throw new InvalidOperationException("fell off the end");
    }

    [Fact]
    public void Foreign_arch_is_killed_x32_and_unlisted_get_the_default()
    {
        var p = new SeccompFilter(Eperm).Allow(0, 1).Build();
        Assert.Equal(SeccompAction.Allow, Run(p, 0));
        Assert.Equal(SeccompAction.Allow, Run(p, 1));
        Assert.Equal(Eperm, Run(p, 2));
        Assert.Equal(SeccompAction.KillProcess, Run(p, 0, arch: 0x40000003));   // i386
        Assert.Equal(Eperm, Run(p, 0x40000000 | 0));                             // x32 read
        Assert.Equal(Eperm, Run(p, -1));
    }

    [Fact]
    public void Argument_rules_are_alternatives_of_conjunctions_on_64_bits()
    {
        var p = new SeccompFilter(SeccompAction.KillProcess)
            .AllowIf(7, new ArgMatch(0, 5), new ArgMatch(1, 0x1_0000_0002))
            .AllowIf(7, new ArgMatch(2, 0, Mask: 4))
            .Add(7, SeccompAction.Errno(AppKernel.Errno.ENOSYS))
            .Build();
        Assert.Equal(SeccompAction.Allow, Run(p, 7, new ulong[] { 5, 0x1_0000_0002, 4 }));
        Assert.Equal(SeccompAction.Errno(AppKernel.Errno.ENOSYS), Run(p, 7, new ulong[] { 5, 0x2, 4 }));   // high half differs
        Assert.Equal(SeccompAction.Errno(AppKernel.Errno.ENOSYS), Run(p, 7, new ulong[] { 0x1_0000_0005, 0x1_0000_0002, 4 }));
        Assert.Equal(SeccompAction.Allow, Run(p, 7, new ulong[] { 9, 9, 3 }));                              // bit 2 clear
        Assert.Equal(SeccompAction.KillProcess, Run(p, 8));
    }

    [Fact]
    public void Gofer_policy_decisions()
    {
        var p = GoferPolicy.Create().Build();
        ulong pid = (ulong)Environment.ProcessId;
        foreach (int nr in GoferPolicy.Syscalls) Assert.Equal(SeccompAction.Allow, Run(p, nr));
        Assert.Equal(SeccompAction.Allow, Run(p, SysNr.clone, new ulong[] { 0x3d0f00 }));
        Assert.Equal(Eperm, Run(p, SysNr.clone, new ulong[] { 17 /* SIGCHLD: fork */ }));
        Assert.Equal(SeccompAction.Errno(AppKernel.Errno.ENOSYS), Run(p, SysNr.clone3));
        Assert.Equal(SeccompAction.Allow, Run(p, SysNr.mmap, new ulong[] { 0, 4096, 3 }));
        Assert.Equal(Eperm, Run(p, SysNr.mmap, new ulong[] { 0, 4096, 5 }));                      // PROT_EXEC
        Assert.Equal(Eperm, Run(p, SysNr.mprotect, new ulong[] { 0, 4096, 7 }));
        Assert.Equal(SeccompAction.Allow, Run(p, SysNr.tgkill, new ulong[] { pid, 5, 34 }));
        Assert.Equal(Eperm, Run(p, SysNr.tgkill, new ulong[] { 1, 1, 9 }));
        Assert.Equal(SeccompAction.Allow, Run(p, SysNr.socket, new ulong[] { 1, 1, 0 }));
        Assert.Equal(SeccompAction.Errno(AppKernel.Errno.EAFNOSUPPORT), Run(p, SysNr.socket, new ulong[] { 2, 2, 0 }));
        Assert.Equal(SeccompAction.Allow, Run(p, SysNr.prlimit64, new ulong[] { 0, 9, 0, 0x7fff0000 }));
        Assert.Equal(Eperm, Run(p, SysNr.prlimit64, new ulong[] { 0, 9, 0x7fff0000, 0 }));       // setting
        Assert.Equal(SeccompAction.Allow, Run(p, SysNr.prctl, new ulong[] { 15 }));              // PR_SET_NAME
        Assert.Equal(Eperm, Run(p, SysNr.prctl, new ulong[] { 24 }));                            // PR_CAPBSET_DROP
        foreach (int nr in new[] { SysNr.ptrace, SysNr.mount, SysNr.unshare, 59 /* execve */, 321 /* bpf */, 308 /* setns */, 42 /* connect */ })
            Assert.Equal(Eperm, Run(p, nr));
    }
}
