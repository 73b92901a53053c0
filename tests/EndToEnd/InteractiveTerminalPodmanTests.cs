using Xunit;
using static AppKernel.Tests.EndToEnd.RunscHarness;

namespace AppKernel.Tests.EndToEnd;

/// <summary>`podman run -it` in a tmux pane (conmon passes runsc --console-socket): with runc first, then runsc.</summary>
[Trait("Category", "EndToEnd")]
public class InteractiveTerminalPodmanTests : IClassFixture<PodmanStore>
{
    readonly PodmanStore _store;
    public InteractiveTerminalPodmanTests(PodmanStore store) => _store = store;

    [Fact]
    public void PodmanRunIt_ShellTakesCommandsAndCtrlC_AndExitEndsTheContainer()
    {
        foreach (var (label, runtime) in new[] { ("runc", "runc"), ("runsc", RunscPath) })
        {
            var name = "it-" + Guid.NewGuid().ToString("N")[..8];
            try
            {
                var podman = string.Join(' ', _store.Argv(runtime).Select(TmuxSession.Quote));
                var flags = string.Join(' ', PodmanStore.RunFlags);
                using var t = new TmuxSession(label, TmuxSession.Framed($"{podman} run -it --rm --name {name} {flags} {PodmanStore.Image} sh"));
                InteractiveContainerShell.Drive(t);
            }
            finally { _store.PWith(runtime, "rm", "-f", name); }
        }
    }
}
