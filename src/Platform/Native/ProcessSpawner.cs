using System.Collections;
using System.Runtime.InteropServices;

namespace AppKernel.Platform.Native;

/// <summary>
/// Starts a child process with posix_spawn — never fork of the .NET process: glibc's vfork+exec runs no managed
/// code in the child. The one way runsc starts its own helpers (the gofer, `runsc boot`).
/// </summary>
public static unsafe partial class ProcessSpawner
{
    const short POSIX_SPAWN_SETSIGDEF = 0x04, POSIX_SPAWN_SETSIGMASK = 0x08, POSIX_SPAWN_SETSID = 0x80;

    /// <summary>What the child gets: fds moved into place (dup2 from → to; to = from keeps an inherited fd),
    /// fds opened on a path, and every fd from CloseFrom up closed.</summary>
    public sealed class Options
    {
        public List<(int From, int To)> Dup2 { get; } = [];
        public List<(int Fd, string Path, int Flags)> Open { get; } = [];
        public int CloseFrom { get; set; } = 3;
        /// <summary>A session of its own (setsid): no terminal signal of the caller's reaches it.</summary>
        public bool NewSession { get; set; } = true;
        /// <summary>The program to run when argv[0] is not its path (an OCI hook's args[0] is any name).</summary>
        public string? Path { get; set; }
        /// <summary>The environment; null: runsc's own.</summary>
        public IReadOnlyList<string>? Env { get; set; }
    }

    /// <summary>Spawns argv[0] (or <see cref="Options.Path"/>) with argv and runsc's environment (or
    /// <see cref="Options.Env"/>), every signal at its default and none blocked.
    /// Returns the pid, or minus the errno posix_spawn failed with.</summary>
    public static int Spawn(IReadOnlyList<string> argv, Options options)
    {
        var env = new List<string>();
        if (options.Env != null) env.AddRange(options.Env);
        else foreach (DictionaryEntry kv in Environment.GetEnvironmentVariables()) env.Add($"{kv.Key}={kv.Value}");
        var strings = new List<nint>();
        int pid = 0, rc;
        var attr = stackalloc byte[1024];
        var fa = stackalloc byte[1024];
        Host.posix_spawnattr_init(attr);
        Host.posix_spawn_file_actions_init(fa);
        try
        {
            byte** args = (byte**)Alloc(argv.Count + 1, strings);
            for (int i = 0; i < argv.Count; i++) args[i] = Alloc(argv[i], strings);
            args[argv.Count] = null;
            byte** envp = (byte**)Alloc(env.Count + 1, strings);
            for (int i = 0; i < env.Count; i++) envp[i] = Alloc(env[i], strings);
            envp[env.Count] = null;

            ulong empty = 0, all = ~0UL;
            Host.posix_spawnattr_setsigmask(attr, &empty);
            Host.posix_spawnattr_setsigdefault(attr, &all);
            Host.posix_spawnattr_setflags(attr, (short)(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | (options.NewSession ? POSIX_SPAWN_SETSID : 0)));
            foreach (var (from, to) in options.Dup2)
            {
                // dup2(fd, fd) is a no-op that keeps close-on-exec: clear the flag in the parent instead.
                if (from == to) Tmds.Linux.LibC.fcntl(from, Tmds.Linux.LibC.F_SETFD, 0);
                else Host.posix_spawn_file_actions_adddup2(fa, from, to);
            }
            foreach (var (fd, path, flags) in options.Open)
                posix_spawn_file_actions_addopen(fa, fd, Alloc(path, strings), flags, 0);
            Host.posix_spawn_file_actions_addclosefrom_np(fa, options.CloseFrom);
            rc = Host.posix_spawn(&pid, options.Path != null ? Alloc(options.Path, strings) : args[0], fa, attr, args, envp);
        }
        finally
        {
            Host.posix_spawn_file_actions_destroy(fa);
            Host.posix_spawnattr_destroy(attr);
            foreach (var p in strings) NativeMemory.Free((void*)p);
        }
        return rc != 0 ? -rc : pid;
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

    static void* Alloc(int pointers, List<nint> owned)
    {
        var p = NativeMemory.Alloc((nuint)pointers, (nuint)sizeof(nint));
        owned.Add((nint)p);
        return p;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int posix_spawn_file_actions_addopen(void* fa, int fd, byte* path, int oflag, uint mode);
}
