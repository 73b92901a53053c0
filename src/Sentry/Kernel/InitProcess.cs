using AppKernel.Sentry.FileSystems.Host;
using AppKernel.Sentry.Loader;
using AppKernel.Sentry.Vfs;
using Microsoft.Extensions.Logging;

namespace AppKernel.Sentry.Kernel;

/// <summary>The outcome of running a sandbox's first process.</summary>
public readonly record struct InitResult(int Status, string? Error);

/// <summary>Starts the guest's pid 1 and runs it to completion on a dedicated thread (ptrace's thread rule).</summary>
public static class InitProcess
{
    public const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    public static InitResult Run(Kernel k, IReadOnlyList<string> argv, IReadOnlyList<string> env, string? cwd)
    {
        InitResult result = default;
        var thread = new Thread(() => result = RunOnThisThread(k, argv, env, cwd), 16 << 20) { Name = "task-1" };
        thread.Start();
        thread.Join();
        return result;
    }

    static InitResult RunOnThisThread(Kernel k, IReadOnlyList<string> argv, IReadOnlyList<string> env, string? cwd)
    {
        var t = Task.CreateInit(k);
        try
        {
            if (cwd != null)
            {
                var e = PathWalker.Resolve(t, t.Fs.Root, cwd, true, out var dir);
                if (e == Errno.None && !dir.Inode.IsDir) e = Errno.ENOTDIR;
                if (e != Errno.None) return new InitResult(126, $"--cwd {cwd}: {Describe(e)}");
                t.Fs.Cwd = dir;
            }
            var terminal = new HostTerminal(t.Group.Pgid, t.Group.Sid);
            for (int fd = 0; fd < 3; fd++)
                if (Tmds.Linux.LibC.fcntl(fd, Tmds.Linux.LibC.F_GETFD) >= 0)
                    t.Fds.InstallAt(fd, new HostStdio(fd, fd == 0 ? OpenFlags.O_RDONLY : OpenFlags.O_WRONLY, terminal, t.Kernel.HostFds), false);

            string prog = argv[0];
            string path = prog.Contains('/') ? prog : SearchPath(t, prog, env);
            var err = ElfLoader.Exec(t, -100, path, new List<string>(argv), new List<string>(env), 0);
            if (err != Errno.None)
            {
                int status = err is Errno.ENOENT or Errno.ENOTDIR ? 127 : 126;
                return new InitResult(status, $"{prog}: {Describe(err)}");
            }
            t.Run();
            if (t.TermSignal != 0)
                k.Log.LogInformation("guest killed by signal {Sig}{Core}", t.TermSignal, t.CoreDumped ? " (core dumped)" : "");
            return new InitResult(t.ShellStatus, t.TermSignal != 0 ? SignalMessage(t.TermSignal, t.CoreDumped) : null);
        }
        catch (Exception ex)
        {
            k.Log.LogError(ex, "sandbox failed");
            return new InitResult(128 + 9, "internal error: " + ex.Message);
        }
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
