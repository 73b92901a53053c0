using System.Collections;
using System.Runtime.InteropServices;
using System.Text;
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
        var env = new List<string>();
        foreach (DictionaryEntry kv in Environment.GetEnvironmentVariables()) env.Add($"{kv.Key}={kv.Value}");

        var strings = new List<nint>();
        int pid = 0, rc;
        var attr = stackalloc byte[1024];
        var fa = stackalloc byte[1024];
        Host.posix_spawnattr_init(attr);
        Host.posix_spawn_file_actions_init(fa);
        try
        {
            byte** argv = stackalloc byte*[args.Count + 1];
            for (int i = 0; i < args.Count; i++) argv[i] = Alloc(args[i], strings);
            argv[args.Count] = null;
            byte** envp = (byte**)NativeMemory.Alloc((nuint)(env.Count + 1), (nuint)sizeof(byte*));
            strings.Add((nint)envp);
            for (int i = 0; i < env.Count; i++) envp[i] = Alloc(env[i], strings);
            envp[env.Count] = null;

            ulong empty = 0, all = ~0UL;
            Host.posix_spawnattr_setsigmask(attr, &empty);
            Host.posix_spawnattr_setsigdefault(attr, &all);
            // POSIX_SPAWN_SETSIGDEF 0x04 | SETSIGMASK 0x08 | SETSID 0x80: no terminal signal reaches the gofer;
            // it ends when the Sentry closes the socket.
            Host.posix_spawnattr_setflags(attr, 0x04 | 0x08 | 0x80);
            Host.posix_spawn_file_actions_adddup2(fa, theirs, SocketFd);
            fixed (byte* devNull = "/dev/null\0"u8)
            {
                GoferSys.posix_spawn_file_actions_addopen(fa, 0, devNull, GoferSys.O_RDONLY, 0);
                GoferSys.posix_spawn_file_actions_addopen(fa, 1, devNull, GoferSys.O_WRONLY, 0);
            }
            Host.posix_spawn_file_actions_addclosefrom_np(fa, SocketFd + 1);
            rc = Host.posix_spawn(&pid, argv[0], fa, attr, argv, envp);
        }
        finally
        {
            Host.posix_spawn_file_actions_destroy(fa);
            Host.posix_spawnattr_destroy(attr);
            foreach (var p in strings) NativeMemory.Free((void*)p);
            close(theirs);
        }
        if (rc != 0)
        {
            close(ours);
            throw new IOException($"gofer: posix_spawn of {exePath} failed: errno {rc}");
        }
        client = new GoferClient(ours);
        return pid;
    }

    static byte* Alloc(string s, List<nint> owned)
    {
        int n = LinuxText.ByteCount(s);
        var p = (byte*)NativeMemory.Alloc((nuint)n + 1);
        owned.Add((nint)p);
        LinuxText.Encode(s, new Span<byte>(p, n));
        p[n] = 0;
        return p;
    }
}
