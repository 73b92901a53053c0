using System.Text.RegularExpressions;
using Xunit;
using static AppKernel.Tests.EndToEnd.RunscHarness;

namespace AppKernel.Tests.EndToEnd;

/// <summary>
/// `runsc do` on a real terminal, driven as a user drives it: a tmux pane, keys typed, the screen read back. Every
/// scenario runs first natively, then with the same keys under `runsc do --rootfs /`, and both must behave alike
/// (where the screens are deterministic they must be equal). The native run checks the harness itself.
/// </summary>
[Trait("Category", "EndToEnd")]
public class InteractiveTerminalTests
{
    static readonly (string Label, bool Sandboxed)[] Runs = [("native", false), ("runsc", true)];
    const string Prompt = "ok>";
    // No history or less history files written to the host by the native runs.
    const string ShellEnv = "env PS1='ok> ' HISTFILE= LESSHISTFILE=-";
    const string Bash = "bash --norc --noprofile -i";
    // Stops on a signal wherever it is: in sh before its exec, or in sleep after it.
    const string Sleeper = "sh -c 'echo asleep; exec sleep 100'";

    static string Program(bool sandboxed, string program) =>
        sandboxed ? $"{TmuxSession.Quote(RunscPath)} do --rootfs / {program}" : program;

    /// <summary>A pane whose command says READY and waits for Enter before it runs (so the terminal's modes can be
    /// read before anything runs), then says EXITED-status and waits again.</summary>
    static TmuxSession Start(string label, string command, int cols = 120, int rows = 40)
    {
        var t = new TmuxSession(label, "echo READY; read _; " + TmuxSession.Framed(command), cols, rows);
        t.WaitFor("^READY$");
        return t;
    }

    /// <summary>bash on the pane (natively or sandboxed), at its first prompt.</summary>
    static TmuxSession StartBash(string label, bool sandboxed)
    {
        var t = Start(label, $"{ShellEnv} {Program(sandboxed, Bash)}");
        t.SendKeys("Enter");
        WaitForPrompt(t);
        return t;
    }

    static string[] Rows(string screen) => screen.TrimEnd('\n').Split('\n');
    static string LastText(string screen) => Rows(screen).LastOrDefault(r => r.Trim() != "") ?? "";

    /// <summary>The shell waits at an empty prompt (the last line of text is the bare prompt).</summary>
    static string WaitForPrompt(TmuxSession t, int ms = TmuxSession.DefaultWaitMs) =>
        t.WaitFor(s => LastText(s) == Prompt, "empty shell prompt as the last line", ms);

    static int Count(string screen, string regex) => Regex.Matches(screen, regex, RegexOptions.Multiline).Count;

    static readonly string ServicesFirstLine = File.ReadLines("/etc/services").First();

    [Fact]
    public void Bash_ShowsItsPrompt_RunsACommand_EditsTheLine_AndRecallsHistory()
    {
        foreach (var (label, sandboxed) in Runs)
        {
            using var t = StartBash(label, sandboxed);
            t.SendLine("echo $((6*7))");
            t.WaitFor("^42$");
            WaitForPrompt(t);

            // Readline's editing: two Lefts put the cursor before "bc".
            t.SendText("echo abc");
            t.SendKeys("Left", "Left", "X", "Enter");
            t.WaitFor("^aXbc$");
            WaitForPrompt(t);

            // Up recalls the line just run; run again it prints a second time.
            t.SendKeys("Up");
            t.WaitFor(s => LastText(s) == $"{Prompt} echo aXbc", "the previous command recalled by Up");
            t.SendKeys("Enter");
            t.WaitFor(s => Count(s, "^aXbc$") == 2, "the recalled command's output");
            WaitForPrompt(t);
        }
    }

    [Fact]
    public void Bash_CtrlC_InterruptsTheForegroundJob_AndTheShellLivesOn()
    {
        foreach (var (label, sandboxed) in Runs)
        {
            using var t = StartBash(label, sandboxed);
            t.SendLine(Sleeper);
            t.WaitFor("^asleep$");
            t.SendKeys("C-c");
            // Back at the prompt long before sleep's 100 s.
            WaitForPrompt(t, 10_000);
            t.SendLine("echo alive-$((1+1))");
            t.WaitFor("^alive-2$");
        }
    }

    [Fact]
    public void Bash_ABackgroundJob_IsListedByJobs()
    {
        foreach (var (label, sandboxed) in Runs)
        {
            using var t = StartBash(label, sandboxed);
            t.SendLine("sleep 100 &");
            t.WaitFor(@"^\[1\] \d+$");
            WaitForPrompt(t);
            t.SendLine("jobs");
            t.WaitFor(@"^\[1\]\+ +Running +sleep 100 &$");
            t.SendLine("kill %1; wait; echo reaped");
            t.WaitFor("^reaped$");
        }
    }

    /// <summary>runsc started in the background of an interactive shell leaves the terminal alone (as a native
    /// program that does not read it): it is not stopped by SIGTTOU or SIGTTIN, and its output still shows.</summary>
    [Fact]
    public void InTheBackgroundOfAShell_ItRunsToItsEnd_AsNative()
    {
        foreach (var (label, sandboxed) in Runs)
        {
            using var t = Start(label, $"{ShellEnv} {Bash}");
            t.SendKeys("Enter");
            WaitForPrompt(t);
            t.SendLine($"{Program(sandboxed, "/bin/sh -c 'sleep 1; echo bg-$((2+3))'")} & wait; jobs; echo after");
            t.WaitFor("^bg-5$");
            t.WaitFor("^after$");
            Assert.DoesNotContain("Stopped", t.Capture());
        }
    }

    [Fact]
    public void Bash_CtrlZ_StopsTheForegroundJob_AndBgAndFgResumeIt()
    {
        const string job = @"sh -c 'echo asleep; exec sleep 100'";
        foreach (var (label, sandboxed) in Runs)
        {
            using var t = StartBash(label, sandboxed);
            t.SendLine(Sleeper);
            t.WaitFor("^asleep$");
            t.SendKeys("C-z");
            t.WaitFor(@"^\[1\]\+ +Stopped +" + Regex.Escape(job) + "$");
            WaitForPrompt(t);

            t.SendLine("bg");
            t.WaitFor(@"^\[1\]\+ " + Regex.Escape(job) + " &$");
            WaitForPrompt(t);
            t.SendLine("jobs");
            t.WaitFor(@"^\[1\]\+ +Running +" + Regex.Escape(job) + " &$");
            WaitForPrompt(t);

            // fg prints the job and gives it the terminal: Ctrl-C now ends it, and no job is left.
            t.SendLine("fg");
            t.WaitFor("^" + Regex.Escape(job) + "$");
            t.SendKeys("C-c");
            WaitForPrompt(t, 10_000);
            t.SendLine("jobs; echo jobs-listed");
            var screen = t.WaitFor(s => Regex.IsMatch(s, "^jobs-listed$", RegexOptions.Multiline) && LastText(s) == Prompt, "the job list");
            var rows = Rows(screen);
            int listed = Array.FindLastIndex(rows, r => r == "jobs-listed");
            Assert.True(rows[listed - 1] == $"{Prompt} jobs; echo jobs-listed", $"{label}: a job is left after fg and Ctrl-C:\n{screen}");
        }
    }

    [Fact]
    public void Bash_Exit_EndsRunscWithItsStatus_AndTheTerminalModesAreRestored()
    {
        foreach (var (label, sandboxed) in Runs)
        {
            using var t = Start(label, $"{ShellEnv} {Program(sandboxed, Bash)}");
            var before = t.TerminalModes();
            t.SendKeys("Enter");
            WaitForPrompt(t);
            t.SendLine("exit 3");
            Assert.True(t.WaitForExited() == 3, $"{label}: bash's status 3 is the pane command's:\n{t.Capture()}");
            var after = t.TerminalModes();
            Assert.True(before == after, $"{label}: the terminal's modes after the program differ:\nbefore:\n{before}\nafter:\n{after}");
        }
    }

    [Fact]
    public void Less_DrawsTheFirstScreen_AndQuitsOnQ()
    {
        var screens = new List<string>();
        foreach (var (label, sandboxed) in Runs)
        {
            using var t = StartBash(label, sandboxed);
            t.SendLine("less /etc/services");
            screens.Add(t.WaitFor(s => Rows(s)[0] == ServicesFirstLine && Rows(s)[^1] == "/etc/services",
                "less's first screen (the file's first line at the top, its name at the bottom)"));
            t.SendKeys("q");
            WaitForPrompt(t);
            t.SendLine("echo after-less");
            t.WaitFor("^after-less$");
        }
        Assert.Equal(screens[0], screens[1]);
    }

    [Fact]
    public void Vi_OpensAFileAndDrawsIt_AndQuits()
    {
        // vim (tiny or not) without any vimrc or viminfo, read-only: nothing is written on the host.
        string vi = File.Exists("/usr/bin/vim.tiny") ? "/usr/bin/vim.tiny" : "/usr/bin/vi";
        var screens = new List<string>();
        foreach (var (label, sandboxed) in Runs)
        {
            using var t = StartBash(label, sandboxed);
            t.SendLine($"{vi} -u NONE -i NONE -R /etc/services");
            screens.Add(t.WaitFor(s => Rows(s)[0] == ServicesFirstLine && Rows(s)[^1].StartsWith("\"/etc/services\""),
                "vi's screen (the file's first line at the top, its name on the last line)"));
            t.SendText(":q");
            t.SendKeys("Enter");
            WaitForPrompt(t);
        }
        Assert.Equal(screens[0], screens[1]);
    }

    [Fact]
    public void Top_DrawsItsHeader_AndQuitsOnQ()
    {
        foreach (var (label, sandboxed) in Runs)
        {
            using var t = StartBash(label, sandboxed);
            t.SendLine("top");
            t.WaitFor(s => Rows(s)[0].StartsWith("top - ") && Regex.IsMatch(s, @"^Tasks: +\d+ total", RegexOptions.Multiline)
                && Regex.IsMatch(s, @"^ +PID +USER", RegexOptions.Multiline), "top's header and column titles");
            t.SendKeys("q");
            WaitForPrompt(t);
        }
    }

    [Fact]
    public void Resize_ReachesTheShell_AndLessRedrawsAtTheNewSize()
    {
        var screens = new List<string>();
        foreach (var (label, sandboxed) in Runs)
        {
            using var t = StartBash(label, sandboxed);
            t.SendLine("stty size");
            t.WaitFor("^40 120$");
            t.SendLine("less /etc/services");
            t.WaitFor(s => Rows(s)[0] == ServicesFirstLine && Rows(s)[^1] == "/etc/services", "less's first screen");

            // SIGWINCH: less redraws for 20 rows, its prompt on the new last row, long lines wrapped at 80.
            t.Resize(80, 20);
            var screen = t.WaitFor(s => Rows(s).Length == 20 && Rows(s)[^1] == ":" && Rows(s)[0] == ServicesFirstLine,
                "less redrawn at 80x20 (its prompt on row 20)");
            Assert.All(Rows(screen), r => Assert.True(r.Length <= 80, $"{label}: a row wider than 80 columns:\n{screen}"));
            screens.Add(screen);
            t.SendKeys("q");
            WaitForPrompt(t);
            t.SendLine("stty size");
            t.WaitFor("^20 80$");
        }
        Assert.Equal(screens[0], screens[1]);
    }

    /// <summary>The pts number differs between runs (the host's are shared; the sandbox has its own).</summary>
    static string NormalizePts(string s) => Regex.Replace(s, @"/dev/pts/\d+", "/dev/pts/N");

    [Fact]
    public void Script_OnPipes_ItsPseudoTerminalMatchesNative()
    {
        // No terminal on stdin: script's pseudo-terminal has the kernel's initial modes and no size.
        string[] argv = ["/usr/bin/script", "-qc", "tty; stty -a", "/dev/null"];
        var native = Native(argv);
        Assert.True(native.ExitCode == 0, native.ToString());
        Assert.Matches(@"^/dev/pts/\d+\r\nspeed 38400 baud; rows 0; columns 0;", native.Stdout);
        var sandboxed = Sandboxed(argv, ["--rootfs", "/"]);
        Assert.Equal(NormalizePts(native.ToString()), NormalizePts(sandboxed.ToString()));
    }

    [Fact]
    public void Script_InAPane_CopiesTheTerminalsModesAndSize_AsNative()
    {
        var screens = new List<string>();
        foreach (var (label, sandboxed) in Runs)
        {
            using var t = Start(label, Program(sandboxed, "/usr/bin/script -qc 'tty; stty -a' /dev/null"));
            t.SendKeys("Enter");
            Assert.True(t.WaitForExited() == 0, $"{label}: script failed:\n{t.Capture()}");
            var screen = t.Capture();
            Assert.Contains("rows 40; columns 120;", screen);
            screens.Add(NormalizePts(screen));
        }
        Assert.Equal(screens[0], screens[1]);
    }

    const string PtyProgram = """
        import os, pty, sys, termios
        def read_until(fd, want):
            got = b""
            while want not in got:
                got += os.read(fd, 1024)
            return got
        m, s = os.openpty()
        print("openpty", os.isatty(m), os.isatty(s), os.ttyname(s))
        os.write(m, b"ping\n")
        print("slave reads", os.read(s, 100))
        print("master reads the echo", read_until(m, b"ping\r\n"))
        os.write(s, b"pong\n")
        print("master reads", read_until(m, b"pong\r\n"))
        a = termios.tcgetattr(s)
        a[3] &= ~termios.ECHO
        termios.tcsetattr(s, termios.TCSANOW, a)
        os.write(m, b"quiet\n")
        print("slave reads", os.read(s, 100))
        os.write(s, b"done\n")
        print("master reads, no echo", read_until(m, b"done\r\n"))
        print("echo flag", termios.tcgetattr(s)[3] & termios.ECHO)
        os.close(s); os.close(m)
        sys.stdout.flush()
        print("spawn status", pty.spawn(["/bin/sh", "-c", "tty; stty size; echo spawned"]))
        """;

    [Fact]
    public void PythonPty_OpenptyRoundTripAndSpawn_MatchNative()
    {
        string[] argv = ["/usr/bin/python3", "-c", PtyProgram];
        var native = Native(argv);
        Assert.True(native.ExitCode == 0, native.ToString());
        Assert.Contains("master reads, no echo b'done\\r\\n'", native.Stdout);
        Assert.Contains("spawned\r\nspawn status 0\n", native.Stdout);
        var sandboxed = Sandboxed(argv, ["--rootfs", "/"]);
        Assert.Equal(NormalizePts(native.ToString()), NormalizePts(sandboxed.ToString()));
    }
}
