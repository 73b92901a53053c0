using System.Text;
using AppKernel.Gofer.Native;
using AppKernel.Gofer.Server;
using AppKernel.Platform.Confinement;
using AppKernel.Platform.Native;
using Microsoft.Extensions.Logging;
using static Tmds.Linux.LibC;

namespace AppKernel.Gofer;

/// <summary>A bind mount the gofer serves besides the root: its host source, whether changes are allowed, and the
/// socket its own session runs on.</summary>
public readonly record struct GoferMount(string Source, bool Writable, int SockFd);

/// <summary>The body of `runsc gofer`: the gofer process serving one root over one socket.</summary>
public static unsafe class GoferMain
{
    const int PR_SET_PDEATHSIG = 1;
    const int RLIMIT_NOFILE = 7;

    /// <summary>Serves <paramref name="root"/> on <paramref name="sockFd"/>, and each bind mount's source on its own
    /// socket, until the Sentry closes them. Returns the exit code.</summary>
    public static int Run(string root, bool writable, int sockFd, IReadOnlyList<GoferMount> mounts, ILogger log)
    {
        // Die with the parent (the spawning thread of runsc). If it is gone already, its end of the socket
        // is closed and Serve returns at once.
        Host.prctl(PR_SET_PDEATHSIG, 9 /* SIGKILL */, 0, 0, 0);
        umask(0); // the Sentry decides modes; Create/Mkdir/Mknod set the exact bits anyway
        RaiseFdLimit(); // every fid is an fd

        int rootFd = OpenDir(root);
        if (rootFd < 0)
        {
            log.LogError("cannot open root {Root}: errno {Errno}", root, (Errno)errno);
            return 1;
        }
        // Reopening a node for I/O goes through /proc/self/fd/N; keep the directory before /proc disappears.
        int procFd = OpenDir("/proc/self/fd");
        if (procFd < 0)
        {
            log.LogError("cannot open /proc/self/fd: errno {Errno}", (Errno)errno);
            close(rootFd);
            return 1;
        }
        fcntl(sockFd, F_SETFD, FD_CLOEXEC);
        // A bind mount's source is outside the root: open it (a directory or a file) before the jail hides it.
        var mountFds = new List<int>();
        foreach (var m in mounts)
        {
            int fd;
            fixed (byte* p = LinuxText.EncodeZ(m.Source)) fd = openat(GoferSys.AT_FDCWD, p, GoferSys.O_PATH | GoferSys.O_CLOEXEC, 0);
            if (fd < 0)
            {
                log.LogError("cannot open bind mount source {Source}: errno {Errno}", m.Source, (Errno)errno);
                return 1;
            }
            mountFds.Add(fd);
            fcntl(m.SockFd, F_SETFD, FD_CLOEXEC);
        }

        if (!Confine(root, log))
        {
            close(rootFd);
            close(procFd);
            return 1;
        }

        var sessions = new List<(GoferServer, int)> { (new GoferServer(rootFd, writable, procFd, log), sockFd) };
        for (int i = 0; i < mounts.Count; i++)
            sessions.Add((new GoferServer(mountFds[i], mounts[i].Writable, fcntl(procFd, F_DUPFD_CLOEXEC, 0), log), mounts[i].SockFd));
        GoferServer.ServeAll(sessions);
        foreach (var (server, sock) in sessions)
        {
            server.Dispose();
            close(sock);
        }
        return 0;
    }

    /// <summary>
    /// Jails the gofer in the root it serves (its own mount namespace, nothing else mounted), keeps only the
    /// capabilities file serving needs and installs its seccomp allowlist. Runs before any other thread
    /// starts (see ProcessThreads). Without CAP_SYS_ADMIN there is no jail, but the rest still applies.
    /// </summary>
    static bool Confine(string root, ILogger log)
    {
        var e = MountJail.PivotInto(root, out var why);
        if (e == Errno.EPERM) log.LogWarning("not jailed in {Root} (no CAP_SYS_ADMIN): {Why}", root, why);
        else if (e != Errno.None)
        {
            log.LogError("cannot jail the gofer in {Root}: {Errno} {Why}", root, e, why);
            return false;
        }
        e = Capabilities.DropAllExcept(out why, Capabilities.Gofer);
        if (e != Errno.None)
        {
            log.LogError("cannot drop capabilities: {Errno} {Why}", e, why);
            return false;
        }
        e = GoferPolicy.Create().Install(out why);
        if (e != Errno.None)
        {
            log.LogError("cannot install the seccomp filter: {Errno} {Why}", e, why);
            return false;
        }
        return true;
    }

    static int OpenDir(string path)
    {
        var bytes = LinuxText.EncodeZ(path);
        fixed (byte* p = bytes) return openat(GoferSys.AT_FDCWD, p, GoferSys.O_PATH | GoferSys.O_DIRECTORY | GoferSys.O_CLOEXEC, 0);
    }

    static void RaiseFdLimit()
    {
        RLimit r;
        if (Host.getrlimit(RLIMIT_NOFILE, &r) == 0 && r.Cur < r.Max)
        {
            r.Cur = r.Max;
            Host.setrlimit(RLIMIT_NOFILE, &r);
        }
    }
}
