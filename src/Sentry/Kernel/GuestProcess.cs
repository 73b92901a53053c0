using AppKernel.Sentry.FileSystems.DevPts;
using AppKernel.Sentry.FileSystems.Host;
using AppKernel.Sentry.Loader;
using AppKernel.Sentry.Vfs;
using Microsoft.Extensions.Logging;

namespace AppKernel.Sentry.Kernel;

/// <summary>The outcome of a process started from outside the sandbox: its status as a shell reports it, and why it failed or was killed.</summary>
public readonly record struct InitResult(int Status, string? Error);

/// <summary>
/// A process started from outside the sandbox — the container's pid 1, or one `runsc exec` adds (a process with no
/// parent in the sandbox: ppid 0, it reaps itself) — on a dedicated thread (ptrace's thread
/// rule: the thread that loads it traces it). Loading (the task, its credentials, limits, cwd, stdio and the
/// execve of its program) happens at once; the guest runs only after <see cref="Start"/>, which is how an OCI
/// `create` leaves a container loaded but not running until `start`. <c>runsc do</c> loads and starts at once.
/// </summary>
public sealed class GuestProcess
{
    public const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    readonly Kernel _k;
    readonly ManualResetEventSlim _loaded = new(), _gate = new(), _done = new();
    Task? _task;
    InitResult _result;
    volatile int _killedBeforeStart;

    GuestProcess(Kernel k) => _k = k;

    /// <summary>The load failed: the message (as a shell says it) and exit status (127 not found, 126 not runnable).</summary>
    public InitResult? LoadError { get; private set; }
    public int Pid => _task?.Tid ?? 0;
    public bool Started => _gate.IsSet;
    public bool Exited => _done.IsSet;

    /// <summary>Loads <paramref name="spec"/> as the kernel's next process (pid 1 when it is the first), with
    /// <paramref name="stdio"/> as its fds 0–2 (host fds; -1 leaves one closed; null: runsc's own 0–2). Returns once
    /// the program is loaded or the load failed (<see cref="LoadError"/>).</summary>
    public static GuestProcess Load(Kernel k, ProcessSpec spec, IReadOnlyList<int>? stdio = null)
    {
        var p = new GuestProcess(k);
        var thread = new Thread(() => p.RunOnThisThread(spec, stdio ?? [0, 1, 2]), 16 << 20) { Name = k.Tasks().Count == 0 ? "task-1" : "task-exec" };
        thread.Start();
        // The caller only waits while the program loads: the sampler's thread is made meanwhile, not by the
        // program's first rseq registration.
        k.RseqPreempter.Start();
        p._loaded.Wait();
        return p;
    }

    /// <summary>Lets the loaded program run (once; later calls do nothing).</summary>
    public void Start() => _gate.Set();

    /// <summary>Waits for the process to end: its status as a shell reports it (128+N for signal N).</summary>
    public InitResult Wait()
    {
        _done.Wait();
        return _result;
    }

    /// <summary>Sends sig to the process as `kill` from outside the sandbox does (SI_USER from pid 0). A process
    /// not started yet has run no code to handle it: a signal whose default is to be ignored does nothing, any other
    /// ends it with that signal, as runc's waiting init is killed.</summary>
    public void Signal(int sig)
    {
        if (sig == 0) return;
        if (!Started)
        {
            if (Task.DefaultIgnored(sig)) return;
            _killedBeforeStart = sig;
            _gate.Set();
            return;
        }
        _task?.SendSignal(sig, Task.UserInfo(sig, Task.SI_USER, 0, 0));
    }

    void RunOnThisThread(ProcessSpec spec, IReadOnlyList<int> stdio)
    {
        try { _result = RunLoaded(spec, stdio); }
        catch (Exception ex)
        {
            _k.Log.LogError(ex, "sandbox failed");
            _result = new InitResult(128 + Task.SIGKILL, "internal error: " + ex.Message);
        }
        finally
        {
            _loaded.Set();
            _done.Set();
        }
    }

    /// <summary>The host terminal bridged to this process's Sentry terminal (<see cref="ProcessSpec.Console"/>).</summary>
    public HostConsole? Console { get; private set; }

    InitResult RunLoaded(ProcessSpec spec, IReadOnlyList<int> stdio)
    {
        var t = Task.CreateInit(_k);
        _task = t;
        var c = t.Creds;
        c.Uid = c.Euid = c.Suid = c.Fsuid = spec.Uid;
        c.Gid = c.Egid = c.Sgid = c.Fsgid = spec.Gid;
        c.Groups = spec.Groups.ToArray();
        _k.Keys.JoinAnonymous(c);
        if (spec.Umask is { } umask) t.Fs.Umask = (int)(umask & 0x1ff);
        foreach (var (res, soft, hard) in spec.Limits) t.Limits.Values[res] = (soft, hard);
        t.NoNewPrivs = spec.NoNewPrivileges;
        t.Seccomp = spec.Filter != null ? Seccomp.SeccompState.FromProfile(spec.Filter) : null;
        if (spec.Capabilities is { } caps)
        {
            c.CapEffective = caps.Effective & Credentials.AllCaps;
            c.CapPermitted = caps.Permitted & Credentials.AllCaps;
            c.CapInheritable = caps.Inheritable & Credentials.AllCaps;
            c.CapBounding = caps.Bounding & Credentials.AllCaps;
            c.CapAmbient = caps.Ambient & Credentials.AllCaps;
        }
        if (spec.Cwd != null)
        {
            var e = PathWalker.Resolve(t, t.Fs.Root, spec.Cwd, true, out var dir);
            if (e == Errno.None && !dir.Inode.IsDir) e = Errno.ENOTDIR;
            if (e != Errno.None) return Failed(126, $"cwd {spec.Cwd}: {Describe(e)}");
            t.Fs.Cwd = dir;
        }
        var terminal = new HostTerminal(t.Group.Pgid, t.Group.Sid);
        var console = spec.Console ? ConsoleFor(t, stdio, spec) : null;
        for (int fd = 0; fd < 3 && fd < stdio.Count; fd++)
        {
            if (stdio[fd] < 0 || Tmds.Linux.LibC.fcntl(stdio[fd], Tmds.Linux.LibC.F_GETFD) < 0) continue;
            if (console != null && console.Value.Console.Is(stdio[fd]))
            {
                var (con, ptsPath) = console.Value;
                if (DevPtsFs.OpenReplica(t, con.Terminal, OpenFlags.O_RDWR, ptsPath, ptsPath.Inode, out var replica) == Errno.None)
                {
                    t.Fds.InstallAt(fd, replica!, false);
                    continue;
                }
            }
            t.Fds.InstallAt(fd, new HostStdio(stdio[fd], fd == 0 ? OpenFlags.O_RDONLY : OpenFlags.O_WRONLY, terminal, t.Kernel.HostFds), false);
        }

        string prog = spec.Argv[0];
        string path = prog.Contains('/') ? prog : SearchPath(t, prog, spec.Env);
        var err = ElfLoader.Exec(t, -100, path, new List<string>(spec.Argv), new List<string>(spec.Env), 0);
        if (err != Errno.None)
        {
            Console?.Dispose(); // the host terminal's modes back at once: nothing ran
            return Failed(err is Errno.ENOENT or Errno.ENOTDIR ? 127 : 126, $"{prog}: {Describe(err)}");
        }
        _loaded.Set();
        _gate.Wait();
        // Killed before it ran: Run then only tears the process down.
        if (_killedBeforeStart is var sig and not 0) t.Stop(0, sig, false);
        t.Run();
        Console?.Dispose(); // the process's last output, then the host terminal's own modes back
        if (t.TermSignal != 0)
            _k.Log.LogInformation("guest killed by signal {Sig}{Core}", t.TermSignal, t.CoreDumped ? " (core dumped)" : "");
        return new InitResult(t.ShellStatus, t.TermSignal != 0 ? SignalMessage(t.TermSignal, t.CoreDumped) : null);
    }

    /// <summary>A console over the first stdio fd that is a host terminal, and its replica's path (/dev/pts/N). The
    /// process, a session leader with no terminal yet, opens the replica first, so it becomes its controlling terminal.</summary>
    (HostConsole Console, VfsPath Path)? ConsoleFor(Task t, IReadOnlyList<int> stdio, ProcessSpec spec)
    {
        var console = HostConsole.Attach(t.Kernel, stdio, spec.Uid, spec.Gid);
        if (console == null) return null;
        var e = PathWalker.Resolve(t, t.Fs.Root, $"/dev/pts/{console.Terminal.Index}", true, out var path);
        if (e != Errno.None)
        {
            console.Dispose();
            return null;
        }
        Console = console;
        return (console, path);
    }

    InitResult Failed(int status, string message)
    {
        var r = new InitResult(status, message);
        LoadError = r;
        return r;
    }

    static string SearchPath(Task t, string prog, IReadOnlyList<string> env)
    {
        string pathVar = DefaultPath;
        foreach (var e in env)
            if (e.StartsWith("PATH=", StringComparison.Ordinal)) pathVar = e[5..];
        foreach (var dir in pathVar.Split(':'))
        {
            var candidate = (dir.Length == 0 ? "." : dir) + "/" + prog;
            if (PathWalker.Resolve(t, t.Fs.Cwd, candidate, true, out var p) == Errno.None && InodeMode.IsReg(p.Inode.Mode))
                return candidate;
        }
        return prog; // fails with ENOENT like a shell's "command not found"
    }

    public static string Describe(Errno e) => e switch
    {
        Errno.ENOENT => "No such file or directory",
        Errno.EACCES => "Permission denied",
        Errno.ENOEXEC => "Exec format error",
        Errno.ENOTDIR => "Not a directory",
        Errno.ELOOP => "Too many levels of symbolic links",
        Errno.ENAMETOOLONG => "File name too long",
        Errno.ELIBBAD => "Accessing a corrupted shared library",
        Errno.ENOMEM => "Cannot allocate memory",
        Errno.E2BIG => "Argument list too long",
        _ => e.ToString(),
    };

    static string SignalMessage(int sig, bool core)
    {
        string name = sig switch
        {
            1 => "Hangup", 2 => "Interrupt", 3 => "Quit", 4 => "Illegal instruction", 5 => "Trace/breakpoint trap", 6 => "Aborted", 7 => "Bus error", 8 => "Floating point exception",
            9 => "Killed", 10 => "User defined signal 1", 11 => "Segmentation fault", 12 => "User defined signal 2",
            13 => "Broken pipe", 14 => "Alarm clock", 15 => "Terminated", _ => $"signal {sig}",
        };
        return core ? name + " (core dumped)" : name;
    }
}
