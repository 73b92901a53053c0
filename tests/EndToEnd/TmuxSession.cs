using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit;
using static AppKernel.Tests.EndToEnd.RunscHarness;

namespace AppKernel.Tests.EndToEnd;

/// <summary>
/// A real terminal a test types into, as a user does (apt-get install tmux): a detached tmux server on a socket of
/// its own (-L), one 120×40 pane (no status line, so the pane is the whole window) running a shell command.
/// Keys go in with send-keys, the screen comes back with capture-pane; every wait polls the screen against a
/// deadline. The pane stays after its command ends (remain-on-exit) so its end can be seen. Dispose kills the server
/// and then anything the pane started that outlived it.
/// </summary>
public sealed class TmuxSession : IDisposable
{
    const string Tmux = "/usr/bin/tmux", Target = "main";
    public const int DefaultWaitMs = 30_000;
    static readonly Regex Ended = new(@"^EXITED-\d+$", RegexOptions.Multiline);
    readonly string _socket = "ak-" + Guid.NewGuid().ToString("N")[..12];
    readonly int _serverPid;
    readonly string _socketPath;

    /// <summary>Names the run in failure messages ("native", "runsc").</summary>
    public string Label { get; }
    public int PanePid { get; }
    /// <summary>The pane's terminal (the slave side tmux opened), e.g. /dev/pts/3.</summary>
    public string PaneTty { get; }

    public TmuxSession(string label, string command, int cols = 120, int rows = 40)
    {
        Assert.True(File.Exists(Tmux), "apt-get install tmux");
        Label = label;
        // One client call: the options are set before the pane's command can end.
        var r = Cmd("set", "-g", "remain-on-exit", "on", ";", "set", "-g", "status", "off", ";",
            "set", "-g", "default-shell", "/bin/sh", ";",
            "new-session", "-d", "-x", cols.ToString(), "-y", rows.ToString(), "-s", Target, command);
        Assert.True(r.ExitCode == 0, $"{label}: tmux new-session: {r}");
        _serverPid = int.Parse(Display("#{pid}"));
        _socketPath = Display("#{socket_path}");
        PanePid = int.Parse(Display("#{pane_pid}"));
        PaneTty = Display("#{pane_tty}");
    }

    /// <summary>A tmux command against this server (environment without TMUX: a test run from inside tmux is no
    /// nested client).</summary>
    public ProcResult Cmd(params string[] args) =>
        Run("/usr/bin/env", new[] { "-u", "TMUX", "-u", "TMUX_PANE", Tmux, "-L", _socket, "-f", "/dev/null" }.Concat(args), 20_000);

    /// <summary>A format of the pane (`display -p`), e.g. #{pane_dead}.</summary>
    public string Display(string format)
    {
        var r = Cmd("display-message", "-p", "-t", Target, format);
        Assert.True(r.ExitCode == 0, $"{Label}: tmux display {format}: {r}");
        return r.Stdout.TrimEnd('\n');
    }

    /// <summary>Keys by tmux's names: "Enter", "C-c", "C-z", "Up", "Left", "Escape", or plain words.</summary>
    public void SendKeys(params string[] keys)
    {
        var r = Cmd(new[] { "send-keys", "-t", Target }.Concat(keys).ToArray());
        Assert.True(r.ExitCode == 0, $"{Label}: tmux send-keys {string.Join(' ', keys)}: {r}");
    }

    /// <summary>Text typed as is (send-keys -l): no key names.</summary>
    public void SendText(string text)
    {
        var r = Cmd("send-keys", "-t", Target, "-l", "--", text);
        Assert.True(r.ExitCode == 0, $"{Label}: tmux send-keys -l {text}: {r}");
    }

    /// <summary>Types a line and Enter.</summary>
    public void SendLine(string text)
    {
        SendText(text);
        SendKeys("Enter");
    }

    /// <summary>The visible screen, one line per row (trailing blanks trimmed by tmux).</summary>
    public string Capture()
    {
        var r = Cmd("capture-pane", "-p", "-t", Target);
        Assert.True(r.ExitCode == 0, $"{Label}: tmux capture-pane: {r}");
        return r.Stdout;
    }

    /// <summary>Polls the screen until pred holds; fails after ms naming what was awaited and showing the screen.</summary>
    public string WaitFor(Func<string, bool> pred, string what, int ms = DefaultWaitMs)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            var screen = Capture();
            if (pred(screen)) return screen;
            // A Framed command that has ended will not draw what is awaited: fail now, not at the deadline.
            if (Ended.IsMatch(screen))
                Assert.Fail($"{Label}: the pane's command ended before {what} appeared; the screen:\n{screen}");
            if (sw.ElapsedMilliseconds > ms)
                Assert.Fail($"{Label}: no {what} on the screen within {ms} ms; the screen:\n{screen}");
            Thread.Sleep(50);
        }
    }

    /// <summary>Polls until the screen matches a (multiline: ^ and $ are a row's ends) regex; returns the screen.</summary>
    public string WaitFor(string regex, int ms = DefaultWaitMs)
    {
        var re = new Regex(regex, RegexOptions.Multiline);
        return WaitFor(re.IsMatch, $"match for /{regex}/", ms);
    }

    /// <summary>Resizes the window (the pane with it): the pane's terminal gets the new size and its foreground
    /// process group SIGWINCH.</summary>
    public void Resize(int cols, int rows)
    {
        var r = Cmd("resize-window", "-t", Target, "-x", cols.ToString(), "-y", rows.ToString());
        Assert.True(r.ExitCode == 0, $"{Label}: tmux resize-window: {r}");
        Assert.Equal($"{cols}x{rows}", Display("#{pane_width}x#{pane_height}"));
    }

    /// <summary>`stty -a` of the pane's terminal as it is now (read from outside, so nothing in the pane changes it).</summary>
    public string TerminalModes()
    {
        var r = Run("/bin/sh", new[] { "-c", "stty -a < \"$1\"", "sh", PaneTty });
        Assert.True(r.ExitCode == 0, $"{Label}: stty -a < {PaneTty}: {r}");
        return r.Stdout;
    }

    public bool Dead => Display("#{pane_dead}") == "1";

    /// <summary>Waits until the pane's command has ended.</summary>
    public void WaitForExit(int ms = DefaultWaitMs)
    {
        var sw = Stopwatch.StartNew();
        while (!Dead)
        {
            if (sw.ElapsedMilliseconds > ms) Assert.Fail($"{Label}: the pane's command did not end within {ms} ms; the screen:\n{Capture()}");
            Thread.Sleep(50);
        }
    }

    /// <summary>A pane command that says EXITED-status when command ends and then waits for a line: the pane (and
    /// its terminal, whose modes can then be read) lives on.</summary>
    public static string Framed(string command) => $"{command}; echo EXITED-$?; read _";

    /// <summary>Waits for a <see cref="Framed"/> command's end and returns its exit status.</summary>
    public int WaitForExited(int ms = DefaultWaitMs) =>
        int.Parse(Regex.Match(WaitFor(Ended.IsMatch, "EXITED-status", ms), @"^EXITED-(\d+)$", RegexOptions.Multiline).Groups[1].Value);

    /// <summary>A shell-quoted word for a pane command line.</summary>
    public static string Quote(string s) => "'" + s.Replace("'", "'\\''") + "'";

    public void Dispose()
    {
        // What the pane started, taken before the server goes: kill-server hangs up the pane, and whatever ignores
        // that (a stopped job, a stuck runsc) is killed here so no test leaves a process behind.
        var left = Alive(PanePid) ? Descendants(PanePid).Append(PanePid).ToList() : Descendants(PanePid);
        Cmd("kill-server");
        var survivors = Survivors(left.Append(_serverPid), 5000);
        foreach (var pid in survivors) Run("kill", new[] { "-KILL", pid.ToString() });
        Survivors(survivors, 5000);
        File.Delete(_socketPath); // the server leaves its socket file behind
    }
}
