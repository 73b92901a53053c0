using System.Text.Json.Nodes;
using Xunit;
using static AppKernel.Tests.EndToEnd.RunscHarness;

namespace AppKernel.Tests.EndToEnd;

/// <summary>A busybox OCI bundle (as ECOSYSTEM.md builds one) made from `runsc spec`, with its own --root.</summary>
public sealed class BusyboxBundle : IDisposable
{
    public string Dir { get; }
    public string StateRoot { get; }

    public BusyboxBundle()
    {
        Dir = Directory.CreateTempSubdirectory("appkernel-bundle-").FullName;
        StateRoot = Path.Combine(Dir, "state");
        var rootfs = Path.Combine(Dir, "rootfs");
        foreach (var d in new[] { "bin", "proc", "dev", "sys", "tmp", "etc" }) Directory.CreateDirectory(Path.Combine(rootfs, d));
        Assert.True(File.Exists("/bin/busybox"), "apt-get install busybox-static");
        File.Copy("/bin/busybox", Path.Combine(rootfs, "bin", "busybox"));
        foreach (var app in new[] { "sh", "echo", "cat", "sleep", "ls", "hostname", "id", "touch", "true" })
            File.CreateSymbolicLink(Path.Combine(rootfs, "bin", app), "busybox");
        var r = Run(RunscPath, ["spec", "--bundle", Dir]);
        Assert.True(r.ExitCode == 0, r.ToString());
        SetProcess("true");
    }

    /// <summary>Rewrites config.json with process.args = sh -c SCRIPT (terminal off) and edit applied.</summary>
    public void SetProcess(string script, Action<JsonObject>? edit = null)
    {
        var path = Path.Combine(Dir, "config.json");
        var spec = (JsonObject)JsonNode.Parse(File.ReadAllText(path))!;
        spec["process"]!["terminal"] = false;
        spec["process"]!["args"] = new JsonArray("sh", "-c", script);
        edit?.Invoke(spec);
        File.WriteAllText(path, spec.ToJsonString());
    }

    /// <summary>runsc --root STATE ARGS, its stdio on files: `create` leaves the sandbox holding them.</summary>
    public ProcResult Runsc(params string[] args)
    {
        var outFile = Path.Combine(Dir, $"out-{Guid.NewGuid():N}");
        var q = string.Join(' ', new[] { RunscPath, "--root", StateRoot }.Concat(args).Select(a => "'" + a.Replace("'", "'\\''") + "'"));
        var r = Run("/bin/sh", ["-c", $"exec {q} </dev/null >{outFile}.1 2>{outFile}.2"], cwd: Dir);
        return new ProcResult(r.ExitCode, File.ReadAllText(outFile + ".1"), File.ReadAllText(outFile + ".2"));
    }

    public JsonObject State(string id)
    {
        var r = Runsc("state", id);
        Assert.True(r.ExitCode == 0, r.ToString());
        return (JsonObject)JsonNode.Parse(r.Stdout)!;
    }

    public string[] Containers() => Directory.Exists(StateRoot) ? Directory.GetDirectories(StateRoot) : [];

    public void Dispose()
    {
        foreach (var d in Containers()) Run(RunscPath, ["--root", StateRoot, "delete", "--force", Path.GetFileName(d)]);
        Directory.Delete(Dir, recursive: true);
    }
}

/// <summary>The OCI runtime commands on a busybox bundle: run, the create → start → kill → delete walk through the
/// statuses, and bad input (a clear error, exit 1, nothing left behind).</summary>
[Trait("Category", "EndToEnd")]
public class OciLifecycleTests : IDisposable
{
    readonly BusyboxBundle _b = new();

    public void Dispose() => _b.Dispose();

    [Fact]
    public void RunPrintsWhatTheProcessPrintsAndExitsWithItsStatus()
    {
        _b.SetProcess("echo hi from $(hostname); cat /proc/version; exit 3");
        var r = Run(RunscPath, ["--root", _b.StateRoot, "run", "--bundle", _b.Dir, "c1"]);
        Assert.True(r.ExitCode == 3, r.ToString());
        Assert.Contains("hi from runsc", r.Stdout);
        Assert.Contains("AppKernel", r.Stdout);
        Assert.Empty(_b.Containers());
    }

    [Fact]
    public void CreateStartKillDeleteWalkTheStatuses()
    {
        // A writable root (root.readonly false): the file the guest writes appears in the bundle's rootfs.
        _b.SetProcess("trap 'echo got TERM; exit 7' TERM; echo started > /tmp/started; while true; do sleep 0.1; done",
            s => s["root"]!["readonly"] = false);
        var pidFile = Path.Combine(_b.Dir, "pid");
        var r = _b.Runsc("create", "--bundle", _b.Dir, "--pid-file", pidFile, "c2");
        Assert.True(r.ExitCode == 0, r.ToString());
        int pid = int.Parse(File.ReadAllText(pidFile));
        Assert.True(Alive(pid));
        var sandbox = Descendants(pid).Append(pid).ToList();

        var s = _b.State("c2");
        Assert.Equal("created", (string?)s["status"]);
        Assert.Equal(pid, (int)s["pid"]!);
        Assert.Equal(_b.Dir, (string?)s["bundle"]);
        Assert.StartsWith("1.", (string?)s["ociVersion"]);

        r = _b.Runsc("start", "c2");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("running", (string?)_b.State("c2")["status"]);
        r = _b.Runsc("start", "c2");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("running", r.Stderr);
        r = _b.Runsc("delete", "c2");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("not stopped", r.Stderr);

        // The trap runs only once the shell has set it: wait for the file it writes after.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!SawStarted() && DateTime.UtcNow < deadline) Thread.Sleep(50);
        Assert.True(SawStarted());
        r = _b.Runsc("kill", "c2", "TERM");
        Assert.True(r.ExitCode == 0, r.ToString());
        r = _b.Runsc("wait", "c2");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(7, (int)JsonNode.Parse(r.Stdout)!["exitStatus"]!);
        Assert.Equal("stopped", (string?)_b.State("c2")["status"]);
        Assert.Empty(Survivors(sandbox));

        r = _b.Runsc("delete", "c2");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Empty(_b.Containers());
        r = _b.Runsc("state", "c2");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("does not exist", r.Stderr);

        bool SawStarted() => File.Exists(Path.Combine(_b.Dir, "rootfs", "tmp", "started"));
    }

    /// <summary>containerd's shim removes a container that never started with kill then delete (as runc allows).</summary>
    [Fact]
    public void ACreatedContainerCanBeKilledAndDeleted()
    {
        var pidFile = Path.Combine(_b.Dir, "pid");
        Assert.Equal(0, _b.Runsc("create", "--bundle", _b.Dir, "--pid-file", pidFile, "c3").ExitCode);
        int pid = int.Parse(File.ReadAllText(pidFile));
        var sandbox = Descendants(pid).Append(pid).ToList();
        var r = _b.Runsc("kill", "c3", "9");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Empty(Survivors(sandbox));
        Assert.Equal("stopped", (string?)_b.State("c3")["status"]);
        Assert.Equal(0, _b.Runsc("delete", "c3").ExitCode);
        Assert.Empty(_b.Containers());
    }

    [Fact]
    public void DeleteForceKillsARunningContainerAndLeavesNothing()
    {
        _b.SetProcess("sleep 1000");
        var pidFile = Path.Combine(_b.Dir, "pid");
        var r = _b.Runsc("run", "--detach", "--bundle", _b.Dir, "--pid-file", pidFile, "c4");
        Assert.True(r.ExitCode == 0, r.ToString());
        int pid = int.Parse(File.ReadAllText(pidFile));
        var sandbox = Descendants(pid).Append(pid).ToList();
        Assert.Equal("running", (string?)_b.State("c4")["status"]);
        var list = JsonNode.Parse(_b.Runsc("list", "--format", "json").Stdout)!.AsArray();
        Assert.Single(list);
        Assert.Equal("c4", (string?)list[0]!["id"]);
        Assert.Equal(0, _b.Runsc("delete", "--force", "c4").ExitCode);
        Assert.Empty(Survivors(sandbox));
        Assert.Empty(_b.Containers());
    }

    [Fact]
    public void BadInputIsOneClearErrorAndLeavesNothing()
    {
        void Refused(ProcResult r, string expected)
        {
            Assert.True(r.ExitCode == 1, r.ToString());
            Assert.Contains(expected, r.Stderr);
        }
        var config = Path.Combine(_b.Dir, "config.json");
        var good = File.ReadAllText(config);

        File.Delete(config);
        Refused(_b.Runsc("create", "--bundle", _b.Dir, "x1"), "config.json");
        File.WriteAllText(config, good.Replace("\"args\":", "\"args\": 5, \"x\":"));
        Refused(_b.Runsc("create", "--bundle", _b.Dir, "x1"), "process.args");
        File.WriteAllText(config, good);
        _b.SetProcess("true", s => s["root"]!["path"] = "no-such-rootfs");
        Refused(_b.Runsc("create", "--bundle", _b.Dir, "x1"), "root.path");
        File.WriteAllText(config, good);
        _b.SetProcess("true", s => s["process"]!["args"] = new JsonArray("no-such-program"));
        Refused(_b.Runsc("create", "--bundle", _b.Dir, "x1"), "executable file not found");
        File.WriteAllText(config, good);
        _b.SetProcess("true", s => ((JsonArray)s["mounts"]!).Add(new JsonObject { ["destination"] = "/data", ["type"] = "weirdfs", ["source"] = "x" }));
        Refused(_b.Runsc("create", "--bundle", _b.Dir, "x1"), "mounts[");
        File.WriteAllText(config, good);
        _b.SetProcess("true", s => s["linux"]!["sysctl"] = new JsonObject { ["net.ipv4.ip_forward"] = "1" });
        Refused(_b.Runsc("create", "--bundle", _b.Dir, "x1"), "linux.sysctl.net.ipv4.ip_forward");
        Refused(_b.Runsc("create", "--bundle", _b.Dir, "../escape"), "invalid container id");
        Assert.Empty(_b.Containers());

        File.WriteAllText(config, good);
        _b.SetProcess("sleep 1000");
        Assert.Equal(0, _b.Runsc("create", "--bundle", _b.Dir, "x2").ExitCode);
        Refused(_b.Runsc("create", "--bundle", _b.Dir, "x2"), "exists");
        Assert.Equal("created", (string?)_b.State("x2")["status"]);
        foreach (var cmd in new[] { "state", "start", "kill", "delete" })
            Refused(_b.Runsc(cmd, "nothing-here"), "does not exist");
        Refused(_b.Runsc("kill", "x2", "NOTASIGNAL"), "signal");
        Assert.Equal(0, _b.Runsc("delete", "x2").ExitCode);
        Assert.Empty(_b.Containers());
    }

    /// <summary>createRuntime, poststart and poststop hooks run on the host with the state on stdin; a failing
    /// createRuntime hook fails the create and leaves nothing.</summary>
    [Fact]
    public void HooksRunWithTheStateOnStdin()
    {
        JsonObject Hook(string script) => new() { ["path"] = "/bin/sh", ["args"] = new JsonArray("sh", "-c", script), ["timeout"] = 10 };
        string F(string name) => Path.Combine(_b.Dir, name);
        _b.SetProcess("exit 0", s => s["hooks"] = new JsonObject
        {
            ["createRuntime"] = new JsonArray(Hook($"cat > {F("createRuntime.json")}"),
                // args[0] is the hook's argv[0], whatever its path (Docker's network hook is dockerd re-exec'd by name).
                new JsonObject { ["path"] = "/bin/sh", ["args"] = new JsonArray("argv0-check", "-c", $"tr '\\0' '\\n' < /proc/$$/cmdline | head -1 > {F("argv0")}") }),
            ["poststart"] = new JsonArray(Hook($"cat > {F("poststart.json")}")),
            ["poststop"] = new JsonArray(Hook($"cat > {F("poststop.json")}")),
        });
        var r = Run(RunscPath, ["--root", _b.StateRoot, "run", "--bundle", _b.Dir, "h1"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("argv0-check\n", File.ReadAllText(F("argv0")));
        foreach (var (file, status) in new[] { ("createRuntime.json", "created"), ("poststart.json", "running"), ("poststop.json", "stopped") })
        {
            var state = JsonNode.Parse(File.ReadAllText(F(file)))!;
            Assert.Equal("h1", (string?)state["id"]);
            Assert.Equal(status, (string?)state["status"]);
            Assert.Equal(_b.Dir, (string?)state["bundle"]);
        }

        _b.SetProcess("exit 0", s => s["hooks"] = new JsonObject { ["createRuntime"] = new JsonArray(Hook("echo no way >&2; exit 2")) });
        r = _b.Runsc("create", "--bundle", _b.Dir, "h2");
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains("createRuntime hook 0", r.Stderr);
        Assert.Contains("no way", r.Stderr);
        Assert.Empty(_b.Containers());
        Assert.Equal(0, Directory.GetDirectories("/proc").Count(d =>
        {
            try { return File.ReadAllText(Path.Combine(d, "cmdline")).Contains(_b.Dir); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
        }));
    }

    /// <summary>The sandbox process confines itself before guest code runs: its own mount, IPC, UTS and network
    /// namespaces, an empty read-only root with only /proc and /dev/null, no capabilities (bounding set included,
    /// so its stubs have none either) and no_new_privs — each checked from outside, in /proc.</summary>
    [Fact]
    public void TheSandboxProcessIsConfined()
    {
        _b.SetProcess("echo up; sleep 1000");
        var pidFile = Path.Combine(_b.Dir, "pid");
        var r = _b.Runsc("run", "--detach", "--bundle", _b.Dir, "--pid-file", pidFile, "j1");
        Assert.True(r.ExitCode == 0, r.ToString());
        int pid = int.Parse(File.ReadAllText(pidFile));
        static Dictionary<string, string> Status(int p) => File.ReadAllLines($"/proc/{p}/status")
            .Select(l => l.Split(':', 2)).Where(kv => kv.Length == 2).ToDictionary(kv => kv[0], kv => kv[1].Trim());
        var st = Status(pid);
        foreach (var set in new[] { "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb" }) Assert.Equal("0000000000000000", st[set]);
        Assert.Equal("1", st["NoNewPrivs"]);
        foreach (var ns in new[] { "mnt", "ipc", "uts", "net" })
            Assert.NotEqual(new FileInfo($"/proc/self/ns/{ns}").LinkTarget, new FileInfo($"/proc/{pid}/ns/{ns}").LinkTarget);
        Assert.Equal(["dev", "proc"], Directory.GetFileSystemEntries($"/proc/{pid}/root").Select(f => Path.GetFileName(f)!).Order().ToArray());
        Assert.Equal(["null"], Directory.GetFileSystemEntries($"/proc/{pid}/root/dev").Select(f => Path.GetFileName(f)!).ToArray());
        var mounts = File.ReadAllLines($"/proc/{pid}/mountinfo").Select(l => l.Split(' ')).ToList();
        Assert.Equal(["/", "/dev/null", "/proc"], mounts.Select(m => m[4]).Order().ToArray());
        Assert.StartsWith("ro,", mounts.Single(m => m[4] == "/")[5]);
        // The guest's stub, exec'd by the confined Sentry, holds nothing either.
        WaitUntilGuestBlocks(pid); // the shell's and sleep's stubs are settled, not mid-exec
        int checkedStubs = 0;
        foreach (var stub in Descendants(pid).Where(IsStub))
        {
            Dictionary<string, string> s;
            try { s = Status(stub); }
            catch (IOException) { continue; } // a stub of a process that has ended: gone (ENOENT), or dying as it is read (ESRCH)
            Assert.Equal("0000000000000000", s["CapBnd"]);
            Assert.Equal("0000000000000000", s["CapEff"]);
            checkedStubs++;
        }
        Assert.True(checkedStubs > 0, "no live stub to check");
        Assert.Equal(0, _b.Runsc("delete", "--force", "j1").ExitCode);
    }

    /// <summary>linux.maskedPaths and readonlyPaths: a masked file reads empty (/dev/null), a masked directory is an
    /// empty read-only tmpfs, a read-only path refuses writes; paths the sandbox lacks are skipped.</summary>
    [Fact]
    public void MaskedAndReadonlyPathsHold()
    {
        _b.SetProcess("wc -c < /proc/cpuinfo; ls /tmp | wc -l; touch /tmp/x 2>/dev/null || echo tmp refused; " +
            "grep -c ' /proc/sys proc ro' /proc/mounts; touch /etc/y 2>/dev/null || echo etc refused", s =>
        {
            s["root"]!["readonly"] = false;
            s["linux"]!["maskedPaths"] = new JsonArray("/proc/cpuinfo", "/tmp", "/no/such/path");
            s["linux"]!["readonlyPaths"] = new JsonArray("/proc/sys", "/etc");
        });
        File.WriteAllText(Path.Combine(_b.Dir, "rootfs", "tmp", "hidden"), "x");
        var r = Run(RunscPath, ["--root", _b.StateRoot, "run", "--bundle", _b.Dir, "mp1"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("0\n0\ntmp refused\n1\netc refused\n", r.Stdout);
    }

    /// <summary>linux.seccomp is enforced on the guest's calls, for the init and for exec'd processes: errno rules
    /// (with and without argument conditions) and a kill rule; a bad action is refused by field.</summary>
    [Fact]
    public void TheSeccompProfileHoldsTheGuest()
    {
        _b.SetProcess("sleep 1000", s => s["linux"]!["seccomp"] = JsonNode.Parse("""
            {"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],"syscalls":[
              {"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":13},
              {"names":["kill"],"action":"SCMP_ACT_ERRNO","args":[{"index":1,"value":10,"op":"SCMP_CMP_EQ"}]},
              {"names":["sethostname"],"action":"SCMP_ACT_KILL_PROCESS"},
              {"names":["no_such_call"],"action":"SCMP_ACT_ERRNO"}]}
            """));
        var r = _b.Runsc("run", "--detach", "--bundle", _b.Dir, "s1");
        Assert.True(r.ExitCode == 0, r.ToString());
        try
        {
            r = _b.Runsc("exec", "s1", "sh", "-c", "mkdir /tmp/e 2>&1; echo $?");
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Contains("Permission denied", r.Stdout);
        }
        finally { _b.Runsc("delete", "--force", "s1"); }

        _b.SetProcess("grep Seccomp: /proc/self/status; mkdir /tmp/d 2>/dev/null || echo mkdir refused; kill -0 $$ && echo kill0 ok; " +
            "kill -USR1 $$ 2>/dev/null || echo usr1 refused; hostname x 2>/dev/null; echo hostname $?", s => s["linux"]!["seccomp"] = JsonNode.Parse("""
            {"defaultAction":"SCMP_ACT_ALLOW","syscalls":[
              {"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":13},
              {"names":["kill"],"action":"SCMP_ACT_ERRNO","args":[{"index":1,"value":10,"op":"SCMP_CMP_EQ"}]},
              {"names":["sethostname"],"action":"SCMP_ACT_KILL_PROCESS"}]}
            """));
        r = Run(RunscPath, ["--root", _b.StateRoot, "run", "--bundle", _b.Dir, "s2"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("Seccomp:\t2\nmkdir refused\nkill0 ok\nusr1 refused\nhostname 159\n", r.Stdout); // 128 + SIGSYS

        _b.SetProcess("true", s => s["linux"]!["seccomp"] = JsonNode.Parse("""{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"SCMP_ACT_MAYBE"}]}"""));
        r = _b.Runsc("create", "--bundle", _b.Dir, "s3");
        Assert.True(r.ExitCode == 1 && r.Stderr.Contains("linux.seccomp.syscalls[0].action"), r.ToString());
        Assert.Empty(_b.Containers());
    }

    /// <summary>linux.cgroupsPath and resources: the sandbox and its processes are in the cgroup with its limits;
    /// `events --stats` reports them, `update` changes them, `delete` removes the cgroup.</summary>
    [Fact]
    public void TheSandboxRunsInItsCgroupWithItsLimits()
    {
        var parent = "appkernel-test-" + Guid.NewGuid().ToString("N")[..8];
        bool v2 = File.Exists("/sys/fs/cgroup/cgroup.controllers");
        string Dir(string controller) => v2 ? $"/sys/fs/cgroup/{parent}/g1" : $"/sys/fs/cgroup/{controller}/{parent}/g1";
        _b.SetProcess("sleep 1000", s =>
        {
            s["linux"]!["cgroupsPath"] = $"/{parent}/g1";
            s["linux"]!["resources"] = JsonNode.Parse("""{"pids":{"limit":64},"memory":{"limit":67108864},"cpu":{"quota":50000,"period":100000}}""");
        });
        var pidFile = Path.Combine(_b.Dir, "pid");
        try
        {
            var r = _b.Runsc("run", "--detach", "--bundle", _b.Dir, "--pid-file", pidFile, "g1");
            Assert.True(r.ExitCode == 0, r.ToString());
            int pid = int.Parse(File.ReadAllText(pidFile));
            Assert.Contains($"/{parent}/g1", File.ReadAllText($"/proc/{pid}/cgroup"));
            // The sandbox, its gofer and the init's stub: every host process of the container.
            var procs = File.ReadAllLines(Path.Combine(Dir("pids"), "cgroup.procs")).Select(int.Parse).ToList();
            Assert.Contains(pid, procs);
            Assert.True(procs.Count >= 3, string.Join(",", procs));
            Assert.Equal("64", File.ReadAllText(Path.Combine(Dir("pids"), "pids.max")).Trim());

            r = _b.Runsc("events", "--stats", "g1");
            Assert.True(r.ExitCode == 0, r.ToString());
            var ev = JsonNode.Parse(r.Stdout)!;
            Assert.Equal("stats", (string?)ev["type"]);
            Assert.Equal(64, (int)ev["data"]!["pids"]!["limit"]!);
            Assert.InRange((int)ev["data"]!["pids"]!["current"]!, procs.Count, 64);
            Assert.Equal(67108864L, (long)ev["data"]!["memory"]!["usage"]!["limit"]!);
            Assert.True((long)ev["data"]!["memory"]!["usage"]!["usage"]! > 0);

            r = _b.Runsc("update", "--pids-limit", "80", "--memory", "96m", "g1");
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Equal("80", File.ReadAllText(Path.Combine(Dir("pids"), "pids.max")).Trim());
            Assert.Equal((96L << 20).ToString(), File.ReadAllText(Path.Combine(Dir("memory"), v2 ? "memory.max" : "memory.limit_in_bytes")).Trim());
            r = _b.Runsc("update", "--memory", "lots", "g1");
            Assert.True(r.ExitCode == 1 && r.Stderr.Contains("--memory lots"), r.ToString());

            Assert.Equal(0, _b.Runsc("delete", "--force", "g1").ExitCode);
            Assert.False(Directory.Exists(Dir("pids")), "the cgroup is removed with the container");
            Assert.False(Directory.Exists(Dir("memory")));

            _b.SetProcess("true", s =>
            {
                s["linux"]!["cgroupsPath"] = $"/{parent}/g2";
                s["linux"]!["resources"] = JsonNode.Parse("""{"hugepageLimits":[{"pageSize":"2MB","limit":1}]}""");
            });
            r = _b.Runsc("create", "--bundle", _b.Dir, "g2");
            Assert.True(r.ExitCode == 1 && r.Stderr.Contains("linux.resources.hugepageLimits"), r.ToString());
            Assert.Empty(_b.Containers());
        }
        finally { RemoveCgroupParent(parent); }
    }

    /// <summary>The parent directory runsc made for a test's cgroupsPath (it removes only the container's own, as runc).</summary>
    static void RemoveCgroupParent(string parent)
    {
        foreach (var d in Directory.GetDirectories("/sys/fs/cgroup").Select(h => Path.Combine(h, parent)).Append($"/sys/fs/cgroup/{parent}"))
            if (Directory.Exists(d))
                try { Directory.Delete(d); }
                catch (IOException) { }
    }

    /// <summary>The issue's leak check: 200 `run` cycles (each a sandbox, a gofer and a state directory) leave no
    /// process, mount or state directory behind (each runsc is a new process, so its fds end with it).</summary>
    [Fact]
    public void TwoHundredRunCyclesLeaveNothingBehind()
    {
        // Each cycle's sandbox gets a cgroup (with a limit), which must go with it.
        var parent = "appkernel-cycles-" + Guid.NewGuid().ToString("N")[..8];
        _b.SetProcess("exit 0", s =>
        {
            s["linux"]!["cgroupsPath"] = $"/{parent}/c";
            s["linux"]!["resources"] = JsonNode.Parse("""{"pids":{"limit":100}}""");
        });
        var pidsDir = File.Exists("/sys/fs/cgroup/cgroup.controllers") ? $"/sys/fs/cgroup/{parent}" : $"/sys/fs/cgroup/pids/{parent}";
        static int RunscProcesses() => Directory.GetDirectories("/proc").Count(d =>
        {
            try { return File.ReadAllText(Path.Combine(d, "cmdline")).Contains("appkernel-bundle-"); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
        });
        // Mounts of anything the cycles touched (other tests mount and unmount alongside).
        int HostMounts() => File.ReadAllLines("/proc/mounts").Count(l => l.Contains(_b.Dir) || l.Contains("runsc"));
        int mountsBefore = HostMounts();
        for (int i = 0; i < 200; i++)
        {
            var r = Run(RunscPath, ["--root", _b.StateRoot, "run", "--bundle", _b.Dir, $"cycle{i}"]);
            Assert.True(r.ExitCode == 0, $"cycle {i}: {r}");
        }
        Assert.Empty(_b.Containers());
        Assert.Equal(0, RunscProcesses());
        Assert.Equal(mountsBefore, HostMounts());
        Assert.True(Directory.Exists(pidsDir), "the cycles ran in a cgroup");
        Assert.Empty(Directory.GetDirectories(pidsDir));
        RemoveCgroupParent(parent);
    }

    /// <summary>Engines read the runtime's errors from --log as JSON lines (runc's format).</summary>
    [Fact]
    public void ErrorsGoToTheJsonLog()
    {
        var log = Path.Combine(_b.Dir, "log.json");
        var r = _b.Runsc("--log", log, "--log-format", "json", "state", "nothing-here");
        Assert.Equal(1, r.ExitCode);
        var line = File.ReadAllLines(log).Last();
        var o = JsonNode.Parse(line)!;
        Assert.Equal("error", (string?)o["level"]);
        Assert.Contains("does not exist", (string?)o["msg"]);
        Assert.NotNull(o["time"]);
    }
}
