using Xunit;
using static AppKernel.Tests.EndToEnd.RunscHarness;

namespace AppKernel.Tests.EndToEnd;

/// <summary>
/// Podman (rootful, daemonless) with `--runtime runsc`, in a store of its own (<see cref="PodmanStore"/>). conmon
/// drives runsc's create, start, state, exec, kill and delete.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class PodmanTests : IClassFixture<PodmanStore>
{
    const string Image = PodmanStore.Image;
    static readonly string[] RunFlags = PodmanStore.RunFlags;
    readonly PodmanStore _store;

    public PodmanTests(PodmanStore store) => _store = store;

    ProcResult P(params string[] args) => _store.P(args);

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

    /// <summary>An image made FROM scratch may lack /dev, /proc and /sys: runc makes their mount points, and so must
    /// we: podman's masked files are masked with /dev/null. The listing, the devices and a
    /// mkdir must be as runc's, with the root writable and read-only.</summary>
    [Fact]
    public void AnImageWithoutDevProcOrSys_RunsAsUnderRunc()
    {
        var rootfs = Directory.CreateDirectory(Path.Combine(_store.Dir, "bare", "bin")).Parent!.FullName;
        File.Copy("/bin/busybox", Path.Combine(rootfs, "bin", "busybox"));
        File.CreateSymbolicLink(Path.Combine(rootfs, "bin", "sh"), "busybox");
        var tar = Path.Combine(_store.Dir, "bare.tar");
        Assert.Equal(0, Run("tar", ["-C", rootfs, "-cf", tar, "."]).ExitCode);
        var r = P("import", tar, "localhost/bare:latest");
        Assert.True(r.ExitCode == 0, r.ToString());

        string[] script = ["sh", "-c", "busybox ls / /dev; busybox ls -d /sys/fs/cgroup; echo x > /dev/null && echo null ok; busybox head -c 4 /dev/zero | busybox wc -c; " +
            "busybox mkdir /made 2>&1; busybox cat /proc/1/comm"];
        // --read-only: runc makes the mount points before it makes the root read-only.
        foreach (string[] flags in new[] { RunFlags, [.. RunFlags, "--read-only"] })
        {
            var ours = P(["run", "--rm", .. flags, "localhost/bare", .. script]);
            var runc = _store.PWith("runc", ["run", "--rm", .. flags, "localhost/bare", .. script]);
            Assert.True(runc.ExitCode == 0, runc.ToString());
            Assert.True(ours.ExitCode == 0, ours.ToString());
            Assert.Contains("null ok\n4\n", runc.Stdout);
            Assert.EndsWith("busybox\n", runc.Stdout); // sh execs its last command: pid 1 is busybox
            Assert.Equal(runc.Stdout, ours.Stdout);
        }
    }
}
