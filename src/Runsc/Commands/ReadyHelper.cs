using System.CommandLine;
using AppKernel.Platform.Native;
using AppKernel.Runsc.Runtime;
using static Tmds.Linux.LibC;

namespace AppKernel.Runsc.Commands;

/// <summary>
/// Starts runsc itself as a long-lived helper (`boot`, the sandbox; `exec --exec-spec`, a detached exec's waiter) with
/// our global flags and our stdio, and waits until it reports on a pipe: "ok", or the error, which becomes ours.
/// The helper gets the pipe as <see cref="Fd"/> and writes its report with <see cref="Report"/>.
/// </summary>
static class ReadyHelper
{
    public const int Fd = 3;

    /// <summary>Spawns `runsc GLOBAL-FLAGS command... --ready-fd 3 id` (with stdio as its fds 0–2 when given, else ours)
    /// and returns its pid once it said "ok"; otherwise
    /// kills and reaps it and throws its report (or fallback when it said nothing).</summary>
    public static unsafe int Start(ParseResult p, IEnumerable<string> command, string id, string fallback, int stdio = -1)
    {
        int* fds = stackalloc int[2];
        if (pipe2(fds, O_CLOEXEC) != 0) throw new RuntimeException($"pipe: errno {errno}");
        int pid;
        try
        {
            var args = new List<string> { Environment.ProcessPath ?? "/proc/self/exe" };
            args.AddRange(GlobalOptions.Forward(p));
            args.AddRange(command);
            args.AddRange(["--ready-fd", Fd.ToString(), id]);
            var options = new ProcessSpawner.Options { CloseFrom = Fd + 1 };
            for (int fd = 0; fd < 3; fd++)
                if (stdio >= 0) options.Dup2.Add((stdio, fd)); // a console: its replica is all three
                else if (fcntl(fd, F_GETFD) >= 0) options.Dup2.Add((fd, fd));
                else options.Open.Add((fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY));
            options.Dup2.Add((fds[1], Fd));
            pid = ProcessSpawner.Spawn(args, options);
            if (pid < 0) throw new RuntimeException($"{fallback}: posix_spawn: errno {-pid}");
        }
        finally { close(fds[1]); }

        string report;
        using (var r = new StreamReader(new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(fds[0], true), FileAccess.Read)))
            report = r.ReadToEnd().Trim();
        if (report == "ok") return pid;
        int status;
        kill(pid, SIGKILL);
        Host.waitpid(pid, &status, 0);
        throw new RuntimeException(report.Length > 0 ? report : $"{fallback} (wait status 0x{status:x})");
    }

    /// <summary>The helper's side: "ok" or the error, once; the pipe is closed after. A starter that is gone (EPIPE)
    /// is not the helper's failure.</summary>
    public static void Report(int readyFd, string message)
    {
        try
        {
            using var f = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(readyFd, true), FileAccess.Write, 0);
            f.Write(System.Text.Encoding.UTF8.GetBytes(message));
        }
        catch (IOException) { }
    }
}
