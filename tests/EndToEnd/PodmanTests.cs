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
}
