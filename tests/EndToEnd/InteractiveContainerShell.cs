using Xunit;

namespace AppKernel.Tests.EndToEnd;

/// <summary>
/// What a user does in `docker run -it … sh` (or exec, or podman's): busybox sh's prompt, a command, Ctrl-C at the
/// prompt (the shell stays), exit (the engine's command returns). The pane runs the engine's command
/// <see cref="TmuxSession.Framed"/>, so its end shows as EXITED-status.
/// </summary>
public static class InteractiveContainerShell
{
    const string Prompt = "/ #";

    static string LastText(string screen) => screen.TrimEnd('\n').Split('\n').LastOrDefault(r => r.Trim() != "") ?? "";

    static void WaitForPrompt(TmuxSession t) => t.WaitFor(s => LastText(s) == Prompt, "busybox sh's empty prompt as the last line");

    /// <summary>Drives the shell in t and waits for the engine's command to end with status 0.</summary>
    public static void Drive(TmuxSession t)
    {
        WaitForPrompt(t);
        t.SendLine("echo $((6*7))");
        t.WaitFor("^42$");
        WaitForPrompt(t);

        // Ctrl-C at the prompt: the shell discards the line and stays.
        t.SendText("echo never");
        t.SendKeys("C-c");
        t.WaitFor(@"^/ # echo never\^C$");
        WaitForPrompt(t);
        t.SendLine("echo alive-$((1+1))");
        t.WaitFor("^alive-2$");
        WaitForPrompt(t);
        Assert.DoesNotMatch("(?m)^never$", t.Capture());

        t.SendLine("exit");
        int status = t.WaitForExited();
        Assert.True(status == 0, $"{t.Label}: the engine's command ended with {status}:\n{t.Capture()}");
    }
}
