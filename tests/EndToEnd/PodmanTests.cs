using Xunit;
using static AppKernel.Tests.EndToEnd.RunscHarness;

namespace AppKernel.Tests.EndToEnd;

/// <summary>
/// Podman (rootful, daemonless; apt-get install podman) with `--runtime runsc`: its own root, runroot and cgroupfs
/// manager under a temporary directory, a busybox image imported from a tar (nothing pulled). conmon drives
/// runsc's create, start, state, exec, kill and delete.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class PodmanTests : IDisposable
{
    const string Podman = "/usr/bin/podman", Image = "localhost/busybox:latest";
    readonly string _dir;

    public PodmanTests()
    {
        Assert.True(File.Exists(Podman), "apt-get install podman");
        _dir = Directory.CreateTempSubdirectory("akp").FullName;
        var rootfs = Directory.CreateDirectory(Path.Combine(_dir, "rootfs")).FullName;
        foreach (var d in new[] { "bin", "proc", "dev", "sys", "tmp", "etc" }) Directory.CreateDirectory(Path.Combine(rootfs, d));
        File.Copy("/bin/busybox", Path.Combine(rootfs, "bin", "busybox"));
        foreach (var app in new[] { "sh", "echo", "cat", "sleep", "ls" }) File.CreateSymbolicLink(Path.Combine(rootfs, "bin", app), "busybox");
        var tar = Path.Combine(_dir, "busybox.tar");
        Assert.Equal(0, Run("tar", ["-C", rootfs, "-cf", tar, "."]).ExitCode);
        var r = P("import", tar, Image);
        Assert.True(r.ExitCode == 0, r.ToString());
    }

    ProcResult P(params string[] args) => Run(Podman,
        new[] { "--root", Path.Combine(_dir, "root"), "--runroot", Path.Combine(_dir, "runroot"), "--cgroup-manager=cgroupfs",
            "--events-backend=file", "--runtime", RunscPath }.Concat(args), 120_000);

    // These ulimits: root here lacks CAP_SYS_RESOURCE to raise them to podman's defaults (ECOSYSTEM.md).
    static readonly string[] RunFlags = ["--network=none", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"];

    [Fact]
    public void PodmanRunsExecsAndStopsContainersInAppKernel()
    {
        var r = P(["run", "--rm", .. RunFlags, Image, "sh", "-c", "echo hi; cat /proc/version; ls /home 2>&1; exit 3"]);
        Assert.True(r.ExitCode == 3, r.ToString());
        Assert.StartsWith("hi\nLinux version 6.1.0-appkernel", r.Stdout);
        Assert.Contains("No such file", r.Stdout);

        r = P(["run", "-d", "--name", "pc1", .. RunFlags, Image, "sh", "-c",
            "trap 'echo got TERM; exit 0' TERM; echo up; while true; do sleep 0.1; done"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        r = P("exec", "pc1", "sh", "-c", "echo exec; exit 4");
        Assert.Equal(4, r.ExitCode);
        Assert.Equal("exec\n", r.Stdout);
        r = P("stop", "pc1");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("up\ngot TERM\n", P("logs", "pc1").Stdout);
        Assert.Equal("0", P("inspect", "--format", "{{.State.ExitCode}}", "pc1").Stdout.Trim());
        Assert.Equal(0, P("rm", "pc1").ExitCode);

        r = P(["run", "--rm", .. RunFlags, Image, "no-such-program"]);
        Assert.True(r.ExitCode == 127, r.ToString());
        Assert.Contains("executable file not found", r.Stderr);
    }

    public void Dispose()
    {
        P("rm", "-af");
        Run("/bin/sh", ["-c", $"grep -o ' {_dir}[^ ]*' /proc/mounts | sort -r | xargs -r -n1 umount -l"]);
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
