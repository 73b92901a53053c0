using System.Diagnostics;
using Xunit;
using static AppKernel.Tests.EndToEnd.RunscHarness;

namespace AppKernel.Tests.EndToEnd;

/// <summary>
/// A dockerd of our own (apt-get install docker.io): its own data, exec and socket directories, runsc registered
/// by `runsc install` in its daemon.json, a busybox image imported from a tar (nothing pulled). Stopped by pid.
/// </summary>
public sealed class DockerDaemon : IDisposable
{
    public const string Image = "local/busybox:latest";
    const string DockerCli = "/usr/bin/docker", Dockerd = "/usr/sbin/dockerd";
    readonly Process _dockerd;
    public string Dir { get; }
    public string Socket => Path.Combine(Dir, "docker.sock");

    public DockerDaemon()
    {
        Assert.True(File.Exists(Dockerd) && File.Exists(DockerCli), "apt-get install docker.io");
        // Short: containerd's shim sockets live under the exec root.
        Dir = Directory.CreateTempSubdirectory("akd").FullName;
        var config = Path.Combine(Dir, "daemon.json");
        File.WriteAllText(config, $$"""
            {"iptables":false,"ip-masq":false,"bridge":"none","data-root":"{{Dir}}/root","exec-root":"{{Dir}}/exec",
             "pidfile":"{{Dir}}/pid","hosts":["unix://{{Socket}}"]}
            """);
        var r = Run(RunscPath, ["install", "--config-file", config, "--", "--debug-log", Path.Combine(Dir, "sentry.log")]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("\"iptables\": false", File.ReadAllText(config)); // other keys are kept
        // A second runtime whose sandboxes use the host's network (gVisor's hostinet), as users register one.
        r = Run(RunscPath, ["install", "--config-file", config, "--runtime", "runsc-host", "--", "--network=host",
            "--debug-log", Path.Combine(Dir, "sentry-host.log")]);
        Assert.True(r.ExitCode == 0, r.ToString());

        var psi = new ProcessStartInfo(Dockerd) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        psi.ArgumentList.Add("--config-file");
        psi.ArgumentList.Add(config);
        _dockerd = Process.Start(psi)!;
        _dockerd.ErrorDataReceived += (_, _) => { };
        _dockerd.OutputDataReceived += (_, _) => { };
        _dockerd.BeginErrorReadLine();
        _dockerd.BeginOutputReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (Docker("version").ExitCode != 0)
        {
            Assert.False(_dockerd.HasExited, "dockerd exited at start");
            Assert.True(DateTime.UtcNow < deadline, "dockerd did not answer within 60 s");
            Thread.Sleep(300);
        }
        var rootfs = Directory.CreateDirectory(Path.Combine(Dir, "rootfs")).FullName;
        foreach (var d in new[] { "bin", "proc", "dev", "sys", "tmp", "etc" }) Directory.CreateDirectory(Path.Combine(rootfs, d));
        File.Copy("/bin/busybox", Path.Combine(rootfs, "bin", "busybox"));
        foreach (var app in new[] { "sh", "echo", "cat", "sleep", "ls", "hostname", "id", "touch", "pwd", "grep", "unshare", "true", "chmod", "chown" })
            File.CreateSymbolicLink(Path.Combine(rootfs, "bin", app), "busybox");
        var tar = Path.Combine(Dir, "busybox.tar");
        r = Run("tar", ["-C", rootfs, "-cf", tar, "."]);
        Assert.True(r.ExitCode == 0, r.ToString());
        r = Docker("import", tar, Image);
        Assert.True(r.ExitCode == 0, r.ToString());
    }

    public ProcResult Docker(params string[] args) =>
        Run("/usr/bin/env", new[] { $"DOCKER_HOST=unix://{Socket}", DockerCli }.Concat(args), 120_000);

    public void Dispose()
    {
        foreach (var id in Docker("ps", "-aq").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)) Docker("rm", "-f", id);
        // SIGTERM: dockerd stops its containerd and unmounts; SIGKILL only if it does not end.
        if (!_dockerd.HasExited) Run("kill", ["-TERM", _dockerd.Id.ToString()]);
        if (!_dockerd.WaitForExit(30_000)) _dockerd.Kill(entireProcessTree: true);
        Run("/bin/sh", ["-c", $"grep -o ' {Dir}[^ ]*' /proc/mounts | sort -r | xargs -r -n1 umount -l"]);
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>Docker runs containers in AppKernel: `docker run/exec/kill/stop/pause/top/logs` and the run flags
/// users reach for, each asserted against what the guest saw; and containerd's ctr through the same daemon's
/// containerd.</summary>
[Trait("Category", "EndToEnd")]
public class DockerTests : IClassFixture<DockerDaemon>
{
    readonly DockerDaemon _d;
    public DockerTests(DockerDaemon d) => _d = d;

    ProcResult DockerRun(params string[] args) => _d.Docker(["run", "--rm", "--runtime=runsc", .. args]);

    [Fact]
    public void RunPrintsAndExitsWithTheStatusInsideAppKernel()
    {
        var r = DockerRun(DockerDaemon.Image, "sh", "-c", "echo hi; cat /proc/version; ls /home 2>&1; exit 3");
        Assert.True(r.ExitCode == 3, r.ToString());
        Assert.StartsWith("hi\n", r.Stdout);
        Assert.Contains("AppKernel", r.Stdout);
        Assert.Contains("No such file", r.Stdout); // the image's files only: the host's /home is not there
    }

    [Fact]
    public void RunFlagsReachTheGuest()
    {
        var data = Directory.CreateDirectory(Path.Combine(_d.Dir, "data-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        File.WriteAllText(Path.Combine(data, "in"), "from host\n");
        // uid 1000 may write here only because the mode says so (the same directory at 0755 is EACCES, as natively).
        File.SetUnixFileMode(data, (UnixFileMode)0x1ff);
        var r = DockerRun("-v", $"{data}:/data", "-e", "FOO=bar", "-w", "/etc", "-u", "1000:1000", "--hostname", "box",
            DockerDaemon.Image, "sh", "-c", "cat /data/in; echo $FOO; pwd; id -u; id -g; hostname; echo out > /data/out");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("from host\nbar\n/etc\n1000\n1000\nbox\n", r.Stdout);
        Assert.Equal("out\n", File.ReadAllText(Path.Combine(data, "out")));

        r = DockerRun("-v", $"{data}:/data:ro", DockerDaemon.Image, "sh", "-c", "cat /data/in; echo x > /data/new || echo refused");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("from host\nrefused\n", r.Stdout);
        Assert.False(File.Exists(Path.Combine(data, "new")));

        r = DockerRun("--read-only", "--tmpfs", "/t", DockerDaemon.Image, "sh", "-c", "touch /x || echo refused; touch /t/y && ls /t");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("refused\ny\n", r.Stdout);
    }

    [Fact]
    public void ADetachedContainerAnswersExecKillPauseTopAndStop()
    {
        var name = "c" + Guid.NewGuid().ToString("N")[..8];
        var r = _d.Docker("run", "-d", "--name", name, "--runtime=runsc", DockerDaemon.Image, "sh", "-c",
            "trap 'echo got USR1' USR1; trap 'echo got TERM; exit 0' TERM; echo up; while true; do sleep 0.1; done");
        Assert.True(r.ExitCode == 0, r.ToString());
        try
        {
            r = _d.Docker("exec", name, "sh", "-c", "echo exec $(cat /proc/version | cut -c1-19); exit 4");
            Assert.Equal(4, r.ExitCode);
            Assert.Equal("exec Linux version 6.1.0\n", r.Stdout);

            r = _d.Docker("top", name);
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.True(r.Stdout.Trim().Split('\n').Length >= 2, r.ToString()); // a header and the container's processes

            Assert.Equal(0, _d.Docker("pause", name).ExitCode);
            Assert.Contains("paused", _d.Docker("inspect", "--format", "{{.State.Status}}", name).Stdout);
            Assert.Equal(0, _d.Docker("unpause", name).ExitCode);
            Assert.Contains("running", _d.Docker("inspect", "--format", "{{.State.Status}}", name).Stdout);

            Assert.Equal(0, _d.Docker("kill", "-s", "USR1", name).ExitCode);
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (!_d.Docker("logs", name).Stdout.Contains("got USR1") && DateTime.UtcNow < deadline) Thread.Sleep(200);

            r = _d.Docker("stop", name);
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Equal("up\ngot USR1\ngot TERM\n", _d.Docker("logs", name).Stdout);
            Assert.Equal("0", _d.Docker("inspect", "--format", "{{.State.ExitCode}}", name).Stdout.Trim());
        }
        finally { _d.Docker("rm", "-f", name); }
    }

    /// <summary>containerd (dockerd's own, with the runc v2 shim): `ctr run --runc-binary`, `ctr task exec`, `ps`, `kill`.</summary>
    [Fact]
    public void ContainerdRunsTasksInAppKernel()
    {
        var sock = Path.Combine(_d.Dir, "exec", "containerd", "containerd.sock");
        Assert.True(File.Exists(sock), "dockerd's containerd socket");
        var root = Path.Combine(_d.Dir, "ctr-root");
        ProcResult Ctr(params string[] args) => Run("ctr", new[] { "-a", sock, "-n", "appkernel" }.Concat(args), 120_000);
        var tar = Path.Combine(_d.Dir, "busybox-image.tar");
        if (!File.Exists(tar)) Assert.Equal(0, _d.Docker("save", DockerDaemon.Image, "-o", tar).ExitCode);
        var r = Ctr("image", "import", tar);
        Assert.True(r.ExitCode == 0, r.ToString());
        const string image = "docker.io/local/busybox:latest";

        r = Ctr("run", "--rm", "--runc-binary", RunscPath, "--runc-root", root, image, "ctr1", "sh", "-c", "echo hi; cat /proc/version; exit 3");
        Assert.True(r.ExitCode == 3, r.ToString());
        Assert.StartsWith("hi\nLinux version 6.1.0-appkernel", r.Stdout);

        r = Ctr("run", "-d", "--runc-binary", RunscPath, "--runc-root", root, image, "ctr2", "sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done");
        Assert.True(r.ExitCode == 0, r.ToString());
        try
        {
            r = Ctr("task", "exec", "--exec-id", "e1", "ctr2", "sh", "-c", "echo exec; exit 2");
            Assert.Equal(2, r.ExitCode);
            Assert.Equal("exec\n", r.Stdout);
            r = Ctr("task", "ps", "ctr2");
            Assert.True(r.ExitCode == 0 && r.Stdout.Trim().Split('\n').Length >= 2, r.ToString());
            Assert.Equal(0, Ctr("task", "kill", "ctr2").ExitCode);
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (!Ctr("task", "ls").Stdout.Contains("STOPPED") && DateTime.UtcNow < deadline) Thread.Sleep(200);
            Assert.Contains("STOPPED", Ctr("task", "ls").Stdout);
        }
        finally
        {
            Ctr("task", "delete", "--force", "ctr2");
            Ctr("container", "delete", "ctr2");
        }
        Assert.Empty(Directory.Exists(root) ? Directory.GetDirectories(root).SelectMany(Directory.GetDirectories) : []);
    }

    /// <summary>The container's host cgroup (cgroupfs driver: /docker/ID in each v1 hierarchy here).</summary>
    string CgroupDir(string controller, string name)
    {
        var id = _d.Docker("inspect", "--format", "{{.Id}}", name).Stdout.Trim();
        var v2 = File.Exists("/sys/fs/cgroup/cgroup.controllers");
        return v2 ? $"/sys/fs/cgroup/docker/{id}" : $"/sys/fs/cgroup/{controller}/docker/{id}";
    }

    static long CgroupNumber(string dir, string file) =>
        long.TryParse(File.ReadAllText(Path.Combine(dir, file)).Trim(), out var n) ? n : -1;

    [Fact]
    public void PidsLimitHoldsAForkBombAndStatsSeeIt()
    {
        var name = "c" + Guid.NewGuid().ToString("N")[..8];
        var r = _d.Docker("run", "-d", "--name", name, "--runtime=runsc", "--pids-limit", "50", "--cpus", "0.5", DockerDaemon.Image, "sh", "-c",
            "bomb() { bomb | bomb & }; bomb; sleep 1000");
        Assert.True(r.ExitCode == 0, r.ToString());
        string pids = "";
        try
        {
            pids = CgroupDir("pids", name);
            Assert.Equal(50, CgroupNumber(pids, "pids.max"));
            Assert.Equal(50000, CgroupNumber(CgroupDir("cpu", name), "cpu.cfs_quota_us"));
            // The bomb meets the limit: forks were refused (pids.events counts them) and no more than 50 host tasks —
            // the Sentry's threads, the gofer and every guest process's stub — ever ran.
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!File.ReadAllText(Path.Combine(pids, "pids.events")).Contains("max ") || File.ReadAllText(Path.Combine(pids, "pids.events")).Contains("max 0"))
            {
                Assert.True(DateTime.UtcNow < deadline, "the fork bomb never reached the pids limit");
                Thread.Sleep(200);
            }
            Assert.InRange(CgroupNumber(pids, "pids.current"), 1, 50);
            r = _d.Docker("stats", "--no-stream", "--format", "{{.PIDs}}", name);
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.InRange(int.Parse(r.Stdout.Trim()), 1, 50);
            Assert.Equal("running", _d.Docker("inspect", "--format", "{{.State.Status}}", name).Stdout.Trim());
        }
        finally { Assert.Equal(0, _d.Docker("rm", "-f", name).ExitCode); }
        Assert.False(Directory.Exists(pids), "the container's cgroup is removed with it");
    }

    [Fact]
    public void MemoryLimitHoldsAHogAndUpdateChangesIt()
    {
        // The hog (a 200 MB buffer) is killed by the cgroup's OOM killer; 16 MB fits. Natively its shell goes on; here
        // a second OOM kill right after the first has been seen to take the Sentry (the whole container then ends
        // with 137) — either way the hog never gets its 200 MB.
        var r = DockerRun("--memory", "64m", DockerDaemon.Image, "sh", "-c",
            "dd if=/dev/zero of=/dev/null bs=16M count=1 2>/dev/null; echo small $?; dd if=/dev/zero of=/dev/null bs=200M count=1 2>/dev/null; echo big $?");
        Assert.True(r.ExitCode is 0 or 137, r.ToString());
        Assert.StartsWith("small 0\n", r.Stdout);
        Assert.DoesNotContain("big 0", r.Stdout);
        if (r.ExitCode == 0) Assert.Contains("big 137", r.Stdout);

        var name = "c" + Guid.NewGuid().ToString("N")[..8];
        r = _d.Docker("run", "-d", "--name", name, "--runtime=runsc", "--memory", "64m", DockerDaemon.Image, "sleep", "1000");
        Assert.True(r.ExitCode == 0, r.ToString());
        try
        {
            r = _d.Docker("stats", "--no-stream", "--format", "{{.MemUsage}}", name);
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.EndsWith("/ 64MiB", r.Stdout.Trim());
            var mem = CgroupDir("memory", name);
            r = _d.Docker("update", "--memory", "96m", "--memory-swap", "192m", name);
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Equal(96L << 20, CgroupNumber(mem, File.Exists(Path.Combine(mem, "memory.max")) ? "memory.max" : "memory.limit_in_bytes"));
        }
        finally { _d.Docker("rm", "-f", name); }
    }

    /// <summary>Docker's default seccomp profile reaches the Sentry and holds the guest (unshare is one of the calls
    /// it refuses); --security-opt seccomp=unconfined runs without one.</summary>
    [Fact]
    public async System.Threading.Tasks.Task WithTheHostNetworkAContainersServerIsReachableAndReachesTheHost()
    {
        var at = HostNetworkTests.HostAddress();
        string host = HostNetworkTests.UrlHost(at);
        var l = new System.Net.Sockets.TcpListener(at, 0);
        l.Start();
        int port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
        l.Stop(); // a free port for the container's server
        string name = "ak-httpd-" + Environment.ProcessId;
        var r = _d.Docker("run", "-d", "--name", name, "--runtime=runsc-host", "--network=host", DockerDaemon.Image, "sh", "-c",
            $"mkdir /www && echo served-by-the-container > /www/index.html && exec busybox httpd -f -p {host}:{port} -h /www");
        Assert.True(r.ExitCode == 0, r.ToString());
        try
        {
            using var http = new System.Net.Http.HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            string body = "";
            for (int i = 0; i < 100 && body == ""; i++)
            {
                try { body = await http.GetStringAsync($"http://{host}:{port}/index.html"); }
                catch (Exception e) when (e is System.Net.Http.HttpRequestException or TaskCanceledException) { await System.Threading.Tasks.Task.Delay(200); }
            }
            Assert.Equal("served-by-the-container\n", body);
            // And the other way: a second container fetches from the first through the host's loopback.
            r = _d.Docker("run", "--rm", "--runtime=runsc-host", "--network=host", DockerDaemon.Image, "busybox", "wget", "-qO-", $"http://{host}:{port}/index.html");
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Equal("served-by-the-container\n", r.Stdout);
        }
        finally { _d.Docker("rm", "-f", name); }
    }

    [Fact]
    public void DockersSeccompProfileIsEnforced()
    {
        // --network=none: dockerd adds a prestart hook (itself, re-exec'd as libnetwork-setkey).
        var r = DockerRun("--network=none", DockerDaemon.Image, "sh", "-c", "grep Seccomp: /proc/self/status; unshare -U true 2>/dev/null; echo unshare $?");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.StartsWith("Seccomp:\t2\n", r.Stdout);
        Assert.DoesNotContain("unshare 0", r.Stdout);
        r = DockerRun("--security-opt", "seccomp=unconfined", DockerDaemon.Image, "grep", "Seccomp:", "/proc/self/status");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("Seccomp:\t0\n", r.Stdout);
    }

    /// <summary>process.capabilities hold in the Sentry: Docker's default set shows in /proc/self/status, and with
    /// --cap-drop ALL --cap-add CHOWN root cannot read a file it may not (no CAP_DAC_OVERRIDE) but can chown.</summary>
    [Fact]
    public void DockersCapabilitiesAreTheGuests()
    {
        var r = DockerRun(DockerDaemon.Image, "grep", "CapEff:", "/proc/self/status");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("CapEff:\t00000000a80425fb\n", r.Stdout); // Docker's default capabilities
        r = DockerRun("--cap-drop", "ALL", "--cap-add", "CHOWN", DockerDaemon.Image, "sh", "-c",
            "grep CapEff: /proc/self/status; echo x > /tmp/f; chmod 0 /tmp/f; chown 5 /tmp/f && echo chowned; cat /tmp/f 2>/dev/null || echo denied");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("CapEff:\t0000000000000001\nchowned\ndenied\n", r.Stdout);
    }

    [Fact]
    public void AMissingProgramIsDockers127WithRuncsMessage()
    {
        var r = DockerRun(DockerDaemon.Image, "no-such-program");
        Assert.True(r.ExitCode == 127, r.ToString());
        Assert.Contains("executable file not found", r.Stderr);
    }
}
