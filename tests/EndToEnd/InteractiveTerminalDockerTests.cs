using Xunit;

namespace AppKernel.Tests.EndToEnd;

/// <summary>
/// `docker run -it` and `docker exec -it` in a tmux pane (the OCI process has `terminal: true`, its pseudo-terminal
/// reaches the engine through --console-socket). Each scenario runs with runc first (the harness's check), then
/// with runsc.
/// </summary>
[Trait("Category", "EndToEnd")]
public class InteractiveTerminalDockerTests : IClassFixture<DockerDaemon>
{
    static readonly string[] Runtimes = ["runc", "runsc"];
    readonly DockerDaemon _d;
    public InteractiveTerminalDockerTests(DockerDaemon d) => _d = d;

    string DockerCommand(string args) => $"env DOCKER_HOST=unix://{_d.Socket} /usr/bin/docker {args}";

    [Fact]
    public void DockerRunIt_ShellTakesCommandsAndCtrlC_AndExitEndsTheContainer()
    {
        foreach (var runtime in Runtimes)
        {
            var name = "it-" + Guid.NewGuid().ToString("N")[..8];
            try
            {
                using var t = new TmuxSession(runtime, TmuxSession.Framed(
                    DockerCommand($"run -it --rm --name {name} --runtime={runtime} {DockerDaemon.Image} sh")));
                InteractiveContainerShell.Drive(t);
            }
            finally { _d.Docker("rm", "-f", name); }
        }
    }

    [Fact]
    public void DockerExecIt_ShellTakesCommandsAndCtrlC_AndExitLeavesTheContainerRunning()
    {
        foreach (var runtime in Runtimes)
        {
            var name = "itx-" + Guid.NewGuid().ToString("N")[..8];
            try
            {
                var r = _d.Docker("run", "-d", "--name", name, $"--runtime={runtime}", DockerDaemon.Image, "sleep", "1000");
                Assert.True(r.ExitCode == 0, $"{runtime}: {r}");
                using (var t = new TmuxSession(runtime, TmuxSession.Framed(DockerCommand($"exec -it {name} sh"))))
                    InteractiveContainerShell.Drive(t);
                Assert.Equal("true", _d.Docker("inspect", "--format", "{{.State.Running}}", name).Stdout.Trim());
            }
            finally { _d.Docker("rm", "-f", name); }
        }
    }
}
