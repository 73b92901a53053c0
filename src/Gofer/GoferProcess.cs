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
    public static int Start(string exePath, string rootDir, bool writable, out GoferClient client) =>
        Start(exePath, rootDir, writable, [], out client, out _);

    /// <summary>As above, and also serve each bind mount's source (a host directory or file) on a socket of its own:
    /// <paramref name="mountClients"/>[i] is mounts[i]'s client.</summary>
    public static int Start(string exePath, string rootDir, bool writable, IReadOnlyList<(string Source, bool Writable)> mounts,
        out GoferClient client, out List<GoferClient> mountClients)
    {
        var ours = new List<int>();
        var theirs = new List<int>();
        int* sv = stackalloc int[2];
        try
        {
            for (int i = 0; i <= mounts.Count; i++)
            {
                if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
                    throw new IOException($"gofer: socketpair failed: errno {errno}");
                ours.Add(sv[0]);
                // Above every target fd (3..3+mounts): dup2 onto the targets in order then clobbers none of them.
                int moved = fcntl(sv[1], F_DUPFD_CLOEXEC, SocketFd + mounts.Count + 1);
                close(sv[1]);
                if (moved < 0) throw new IOException($"gofer: fcntl(F_DUPFD_CLOEXEC) failed: errno {errno}");
                theirs.Add(moved);
            }

            // An absolute root: runsc's argument pre-scan looks for a bare "do", which a relative root could be.
            var args = new List<string> { exePath, "gofer", "--root", Path.GetFullPath(rootDir) };
            if (writable) args.Add("--writable");
            args.Add("--sock-fd");
            args.Add(SocketFd.ToString());
            for (int i = 0; i < mounts.Count; i++)
            {
                args.Add("--mount");
                args.Add($"{SocketFd + 1 + i}:{(mounts[i].Writable ? "rw" : "ro")}:{Path.GetFullPath(mounts[i].Source)}");
            }
            // No terminal signal reaches the gofer (a session of its own); it ends when the Sentry closes the sockets.
            var options = new ProcessSpawner.Options { CloseFrom = SocketFd + 1 + mounts.Count };
            for (int i = 0; i < theirs.Count; i++) options.Dup2.Add((theirs[i], SocketFd + i));
            options.Open.Add((0, "/dev/null", GoferSys.O_RDONLY));
            options.Open.Add((1, "/dev/null", GoferSys.O_WRONLY));
            int pid = ProcessSpawner.Spawn(args, options);
            if (pid < 0) throw new IOException($"gofer: posix_spawn of {exePath} failed: errno {-pid}");
            client = new GoferClient(ours[0]);
            mountClients = ours.Skip(1).Select(fd => new GoferClient(fd)).ToList();
            ours.Clear();
            return pid;
        }
        finally
        {
            foreach (var fd in theirs) close(fd);
            foreach (var fd in ours) close(fd);
        }
    }
}
