using AppKernel.Gofer.Native;
using AppKernel.Platform.Native;
using static Tmds.Linux.LibC;

namespace AppKernel.Gofer;

/// <summary>Starts the gofer as a child process (`runsc gofer`) connected to a new <see cref="GoferClient"/>.</summary>
public static unsafe class GoferProcess
{
    /// <summary>The fd number the gofer finds its socket at.</summary>
    public const int SocketFd = 3;

    /// <summary>
    /// Spawns <c>exePath gofer --root DIR [--writable] --sock-fd 3</c> with posix_spawn (never fork of the .NET
    /// process) in its own session, with stdin/stdout on /dev/null, stderr inherited, default signal handling,
    /// and one end of a new SOCK_SEQPACKET socketpair as fd 3 (every other fd closed). Returns the child's pid (the
    /// caller reaps it); <paramref name="client"/> owns the other end. The gofer exits when the client is disposed,
    /// and is killed if its parent dies (PR_SET_PDEATHSIG, set by the gofer: Linux counts the spawning
    /// <em>thread</em> as the parent, so call this from a thread that lives as long as the sandbox).
    /// Throws <see cref="IOException"/> if the socket or the process cannot be made.
    /// </summary>
    public static int Start(string exePath, string rootDir, bool writable, out GoferClient client)
    {
        int* sv = stackalloc int[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
            throw new IOException($"gofer: socketpair failed: errno {errno}");
        int ours = sv[0], theirs = sv[1];
        if (theirs <= SocketFd)
        {
            // dup2(fd, fd) would keep close-on-exec, and 0..2 are replaced below: move it out of the way first.
            int moved = fcntl(theirs, F_DUPFD_CLOEXEC, 10);
            close(theirs);
            theirs = moved;
            if (theirs < 0)
            {
                close(ours);
                throw new IOException($"gofer: fcntl(F_DUPFD_CLOEXEC) failed: errno {errno}");
            }
        }

        // An absolute root: runsc's argument pre-scan looks for a bare "do", which a relative root could be.
        var args = new List<string> { exePath, "gofer", "--root", Path.GetFullPath(rootDir) };
        if (writable) args.Add("--writable");
        args.Add("--sock-fd");
        args.Add(SocketFd.ToString());
        // No terminal signal reaches the gofer (a session of its own); it ends when the Sentry closes the socket.
        var options = new ProcessSpawner.Options { CloseFrom = SocketFd + 1 };
        options.Dup2.Add((theirs, SocketFd));
        options.Open.Add((0, "/dev/null", GoferSys.O_RDONLY));
        options.Open.Add((1, "/dev/null", GoferSys.O_WRONLY));
        int pid = ProcessSpawner.Spawn(args, options);
        close(theirs);
        if (pid < 0)
        {
            close(ours);
            throw new IOException($"gofer: posix_spawn of {exePath} failed: errno {-pid}");
        }
        client = new GoferClient(ours);
        return pid;
    }
}
