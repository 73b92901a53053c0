using Xunit;
using static AppKernel.Tests.EndToEnd.RunscHarness;

namespace AppKernel.Tests.EndToEnd;

/// <summary>
/// Where users first try the sandbox: a terminal. A small C runner opens a pseudo-terminal (40×100), makes it the
/// controlling terminal of a new session, runs the program on it and copies what the program writes to the
/// terminal to its stdout (then "exit N"). Lines given with -s are typed into the terminal one at a time, each once
/// the program has written something since the previous one, and with -w once its output ends with the given
/// text (a prompt): handshakes, not sleeps. The same run natively and
/// under `runsc do` must read the same. Also: file names that are not UTF-8 travel through the gofer as bytes.
/// </summary>
public class TerminalAndBytesTests : IClassFixture<TempDirFixture>
{
    const string PtyRunner = """
        #define _GNU_SOURCE
        #include <errno.h>
        #include <fcntl.h>
        #include <poll.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #include <sys/ioctl.h>
        #include <sys/wait.h>
        #include <termios.h>
        #include <unistd.h>

        int main(int argc, char **argv)
        {
            char *send[16], *wait[16] = {0}, *want = NULL;
            int nsend = 0, i = 1;
            for (; i < argc && strcmp(argv[i], "--"); i++) {
                if (!strcmp(argv[i], "-w") && i + 1 < argc) want = argv[++i];
                else if (!strcmp(argv[i], "-s") && i + 1 < argc && nsend < 16) { wait[nsend] = want; want = NULL; send[nsend++] = argv[++i]; }
            }
            if (i >= argc - 1) return 2;
            char **prog = argv + i + 1;
            int m = posix_openpt(O_RDWR | O_NOCTTY);
            if (m < 0 || grantpt(m) || unlockpt(m)) { perror("pty"); return 2; }
            struct winsize ws = {.ws_row = 40, .ws_col = 100};
            char *sname = ptsname(m);
            pid_t pid = fork();
            if (pid == 0) {
                setsid();
                int s = open(sname, O_RDWR);
                ioctl(s, TIOCSCTTY, 0);
                ioctl(s, TIOCSWINSZ, &ws);
                dup2(s, 0); dup2(s, 1); dup2(s, 2);
                if (s > 2) close(s);
                close(m);
                execvp(prog[0], prog);
                _exit(127);
            }
            int next = 0, fresh = 0;
            char buf[4096], tail[256] = "";
            size_t ntail = 0;
            for (;;) {
                int ready = fresh && next < nsend;
                if (ready && wait[next]) { /* typed only once the output so far ends with the -w text (a prompt) */
                    size_t w = strlen(wait[next]);
                    ready = ntail >= w && !memcmp(tail + ntail - w, wait[next], w);
                }
                if (ready) {
                    write(m, send[next], strlen(send[next]));
                    write(m, "\n", 1);
                    next++;
                    fresh = 0;
                }
                struct pollfd p = {.fd = m, .events = POLLIN};
                if (poll(&p, 1, 30000) <= 0) { printf("\n[runner: no output for 30 s]\n"); kill(pid, 9); break; }
                ssize_t n = read(m, buf, sizeof buf);
                if (n <= 0) break; /* EIO: every slave fd is closed */
                fwrite(buf, 1, n, stdout);
                for (ssize_t k = 0; k < n; k++) { /* the last bytes written, for -w */
                    if (ntail == sizeof tail) { memmove(tail, tail + 1, sizeof tail - 1); ntail--; }
                    tail[ntail++] = buf[k];
                }
                fresh = 1;
            }
            int status;
            waitpid(pid, &status, 0);
            printf("\nexit %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
            return 0;
        }
        """;

    readonly string _dir;
    readonly string _runner;

    public TerminalAndBytesTests(TempDirFixture fx)
    {
        _dir = fx.Dir;
        _runner = File.Exists(Path.Combine(_dir, "ptyrun")) ? Path.Combine(_dir, "ptyrun") : CompileC(_dir, "ptyrun", PtyRunner);
    }

    ProcResult OnPty(string[] prog, string[]? send = null, bool sandboxed = false)
    {
        var args = new List<string>();
        foreach (var s in send ?? Array.Empty<string>())
        {
            // "PROMPT\u0000LINE": type LINE once the output ends with PROMPT.
            var parts = s.Split('\0');
            if (parts.Length == 2) { args.Add("-w"); args.Add(parts[0]); }
            args.Add("-s"); args.Add(parts[^1]);
        }
        args.Add("--");
        if (sandboxed) { args.Add(RunscPath); args.Add("do"); }
        args.AddRange(prog);
        return Run(_runner, args);
    }

    [Fact]
    public void SttyA_OnATerminal_MatchesNative()
    {
        var native = OnPty(new[] { "/bin/stty", "-a" });
        Assert.Contains("rows 40; columns 100", native.Stdout);
        Assert.EndsWith("exit 0\n", native.Stdout);
        var sandboxed = OnPty(new[] { "/bin/stty", "-a" }, sandboxed: true);
        Assert.Equal(native.Stdout, sandboxed.Stdout);
    }

    [Fact]
    public void SttyChangesTheTerminal_AsNative()
    {
        // TCSETS from the guest reaches runsc's terminal: the second stty sees the first one's change.
        string[] prog = { "/bin/sh", "-c", "stty -echo cols 77 && stty -a" };
        var native = OnPty(prog);
        Assert.Contains(" -echo ", native.Stdout);
        Assert.Contains("columns 77;", native.Stdout);
        Assert.Equal(native.Stdout, OnPty(prog, sandboxed: true).Stdout);
    }

    [Fact]
    public void Ls_OnATerminal_ExitsZero_AndMatchesNative()
    {
        string[] prog = { "/bin/ls", "-C", "/etc/apt" };
        var native = OnPty(prog);
        Assert.EndsWith("exit 0\n", native.Stdout);
        var sandboxed = OnPty(prog, sandboxed: true);
        Assert.DoesNotContain("stack smashing", sandboxed.Stdout);
        Assert.Equal(native.Stdout, sandboxed.Stdout);
    }

    [Fact]
    public void InteractiveBash_OnATerminal_RunsACommandAndExits()
    {
        string[] prog = { "/bin/bash", "--norc", "--noprofile", "-i" };
        // Each line waits for the prompt: typed before readline has set the terminal up, it could be flushed.
        string[] send = { "# \0PS1='$ '; echo h''i", "$ \0exit" };
        var native = OnPty(prog, send);
        var sandboxed = OnPty(prog, send, sandboxed: true);
        foreach (var r in new[] { native, sandboxed })
        {
            Assert.Contains("\rhi\r\n", r.Stdout); // the command's output line (the echoed input holds h''i)
            Assert.EndsWith("exit 0\n", r.Stdout);
            Assert.DoesNotContain("job control", r.Stdout);
        }
    }

    /// <summary>A host directory made before the sandbox starts, holding names that are not UTF-8: listed, read and
    /// (with a writable root) created and renamed through the gofer, byte for byte as natively.</summary>
    [Fact]
    public void NonUtf8Names_FromTheHostRootfs_AreBytes()
    {
        var dir = Path.Combine(_dir, "bytes-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        // .NET cannot name such a file; the host's shell makes it.
        var made = Native("/bin/sh", "-c", $"cd {dir} && printf 'from the host' > \"$(printf 'h\\377\\200\\303')\" && ln -s \"$(printf 't\\376')\" \"$(printf 'l\\201')\"");
        Assert.True(made.ExitCode == 0, made.ToString());
        string look = $"cd {dir} && ls | od -An -tx1 && cat ./h* && echo && readlink ./l* | od -An -tx1";
        var native = Native("/bin/sh", "-c", look);
        Assert.Contains(" 68 ff 80 c3", native.Stdout);
        var sandboxed = Sandboxed("/bin/sh", "-c", look);
        Assert.Equal(native.ToString(), sandboxed.ToString());

        // Writable root: a name made inside reaches the host as the same bytes, and a rename keeps them.
        string change = $"cd {dir} && n=$(printf 'w\\377\\376') && echo inside > \"$n\" && mv ./h* \"$(printf 'r\\200\\201')\"";
        var w = Sandboxed(new[] { "/bin/sh", "-c", change }, new[] { "--rootfs-writable" });
        Assert.True(w.ExitCode == 0, w.ToString());
        var after = Native("/bin/sh", "-c", $"cd {dir} && ls | od -An -tx1 && cat ./r*");
        Assert.Equal(0, after.ExitCode);
        Assert.Contains(" 77 ff fe", after.Stdout);
        Assert.Contains(" 72 80 81", after.Stdout);
        Assert.Contains("from the host", after.Stdout);
    }
}
