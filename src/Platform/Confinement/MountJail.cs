using System.Text;
using static Tmds.Linux.LibC;
using N = AppKernel.Platform.Confinement.ConfinementNative;

namespace AppKernel.Platform.Confinement;

public sealed record MountJailOptions
{
    /// <summary>Bind the mounts below the root directory too (MS_REC). When false only the root directory's own
    /// file system is visible: a /proc or /dev mounted inside it stays behind.</summary>
    public bool Recursive { get; init; } = true;

    /// <summary>Remount the new root read-only (its top mount; submounts keep their flags).</summary>
    public bool ReadOnly { get; init; }

    /// <summary>The root is an empty directory of the scratch tmpfs, not a host directory (the Sentry's jail: it
    /// needs no file of the host). The rootDir argument is then ignored.</summary>
    public bool EmptyRoot { get; init; }

    /// <summary>Mount a procfs of the host's pid namespace at /proc of the new root (/proc/self/fd names the memfds
    /// stubs are exec'd from; /proc/PID/stat gives their CPU times).</summary>
    public bool Proc { get; init; }

    /// <summary>Bind the host's /dev/null at /dev/null of the new root.</summary>
    public bool DevNull { get; init; }

    /// <summary>More namespaces to enter with the mount namespace (<see cref="NewIpc"/>, <see cref="NewUts"/>,
    /// <see cref="NewNet"/>); the finalizer thread joins them too.</summary>
    public int ExtraNamespaces { get; init; }

    /// <summary>A network namespace to join instead of a new one (an fd of /proc/PID/ns/net or a bind of it).</summary>
    public int JoinNetFd { get; init; } = -1;

    public const int NewIpc = N.CLONE_NEWIPC, NewUts = N.CLONE_NEWUTS, NewNet = N.CLONE_NEWNET;
}

/// <summary>
/// Makes a directory the root of this process in a mount namespace of its own, mounting nothing else: the
/// jailed process sees no /proc, /dev or /sys unless they are inside the directory, so anything it needs from
/// them must be opened before.
///
/// How to use it (see <see cref="ProcessThreads"/> for the measurements behind this): call it first thing in
/// Main or the command action, while the process has only its main thread and the .NET finalizer thread —
/// before any Console output, Task, timer or Thread. unshare(CLONE_NEWNS) moves only the calling thread, so the
/// finalizer thread is then moved with setns(2) into the same namespace (which also makes the jail its root);
/// with any third thread the call refuses (EBUSY) rather than leave a thread outside the jail. The root must be
/// entered before <see cref="Capabilities.DropAllExcept(int[])"/> (needs CAP_SYS_ADMIN) and before a seccomp filter
/// that forbids mount/pivot_root/setns. On failure the process may be half-way (its own namespace, old root) and
/// should exit.
/// </summary>
public static unsafe class MountJail
{
    public static Errno PivotInto(string rootDir) => PivotInto(rootDir, new MountJailOptions(), out _);

    public static Errno PivotInto(string rootDir, out string detail) => PivotInto(rootDir, new MountJailOptions(), out detail);

    /// <summary>
    /// unshare(CLONE_NEWNS); make / recursively private (nothing we do propagates to the host); bind rootDir onto
    /// itself; chdir there; pivot_root(".", "."); detach the old root (MNT_DETACH); chdir("/"). The finalizer thread
    /// then joins the namespace. Never throws; <paramref name="detail"/> names the failing step.
    /// </summary>
    public static Errno PivotInto(string rootDir, MountJailOptions options, out string detail)
    {
        if (string.IsNullOrEmpty(rootDir) || rootDir[0] != '/')
        {
            detail = $"root {rootDir}: must be an absolute path";
            return Errno.EINVAL;
        }
        if (options.EmptyRoot) rootDir = "/";
        if (!Directory.Exists(rootDir))
        {
            detail = $"root {rootDir}: not a directory";
            return Errno.ENOTDIR;
        }
        int threads = ProcessThreads.Count();   // also keeps /proc/self/status open for the checks after the pivot
        if (threads > 2 || threads < 0)
        {
            detail = threads < 0 ? "cannot read /proc/self/status to count threads"
                : $"the process has {threads} threads; call PivotInto before anything starts a thread (only main and the .NET finalizer may exist)";
            return threads < 0 ? Errno.EINVAL : Errno.EBUSY;
        }

        byte[] root = Encoding.UTF8.GetBytes(rootDir + "\0");
        int nsFd = -1, rootFd = -1, nullFd = -1;
        var extraNs = new List<(int Fd, int Type)>();
        try
        {
            if (unshare(N.CLONE_NEWNS | options.ExtraNamespaces) != 0) return Fail("unshare", out detail);
            // The finalizer thread joins through these descriptors once the pivot is done; /proc is still visible here.
            fixed (byte* p = "/proc/thread-self/ns/mnt\0"u8) nsFd = open(p, O_RDONLY | O_CLOEXEC);
            if (nsFd < 0) return Fail("open /proc/thread-self/ns/mnt", out detail);
            if (options.JoinNetFd >= 0 && setns(options.JoinNetFd, N.CLONE_NEWNET) != 0) return Fail("join the network namespace", out detail);
            if (options.JoinNetFd >= 0) extraNs.Add((options.JoinNetFd, N.CLONE_NEWNET));
            foreach (var (flag, name) in new[] { (N.CLONE_NEWIPC, "ipc"), (N.CLONE_NEWUTS, "uts"), (N.CLONE_NEWNET, "net") })
            {
                if ((options.ExtraNamespaces & flag) == 0) continue;
                int nfd;
                fixed (byte* p = Encoding.ASCII.GetBytes($"/proc/thread-self/ns/{name}\0")) nfd = open(p, O_RDONLY | O_CLOEXEC);
                if (nfd < 0) return Fail($"open /proc/thread-self/ns/{name}", out detail);
                extraNs.Add((nfd, flag));
            }
            if (options.DevNull)
            {
                fixed (byte* p = "/dev/null\0"u8) nullFd = open(p, 0x200000 /* O_PATH */ | O_CLOEXEC);
                if (nullFd < 0) return Fail("open /dev/null", out detail);
            }

            // The root is bound onto a directory of a scratch tmpfs rather than onto itself: pivot_root cannot
            // pivot into the current root's own mount (rootDir "/" would be EBUSY). The root is named through an
            // fd, so the scratch mount hiding its path (a root under /tmp) does not matter.
            fixed (byte* rp = root) rootFd = open(rp, 0x200000 /* O_PATH */ | O_DIRECTORY | O_CLOEXEC);
            if (rootFd < 0) return Fail($"open {rootDir}", out detail);
            byte[] source = Encoding.ASCII.GetBytes($"/proc/self/fd/{rootFd}\0");
            string? scratch = null;
            foreach (var d in new[] { "/tmp", "/mnt", "/run", "/dev" })
                if (Directory.Exists(d)) { scratch = d; break; }
            if (scratch == null)
            {
                detail = "no directory to mount the scratch tmpfs on (/tmp, /mnt, /run, /dev)";
                return Errno.ENOENT;
            }
            byte[] scratchZ = Encoding.ASCII.GetBytes(scratch + "\0"), target = Encoding.ASCII.GetBytes(scratch + "/root\0");
            fixed (byte* slash = "/\0"u8)
            fixed (byte* dot = ".\0"u8)
            fixed (byte* tmpfs = "tmpfs\0"u8)
            fixed (byte* src = source)
            fixed (byte* sc = scratchZ)
            fixed (byte* r = target)
            {
                if (N.mount(null, slash, null, N.MS_REC | N.MS_PRIVATE, null) != 0) return Fail("make / private (MS_REC|MS_PRIVATE)", out detail);
                ulong bind = N.MS_BIND | (options.Recursive ? N.MS_REC : 0);
                // Resolve the source before the scratch mount can cover /proc's path to it.
                if (N.mount(tmpfs, sc, tmpfs, N.MS_NOSUID | N.MS_NODEV, null) != 0) return Fail($"mount a scratch tmpfs on {scratch}", out detail);
                if (mkdir(r, 0x1c0) != 0) return Fail($"mkdir {scratch}/root", out detail);
                if (options.EmptyRoot)
                {
                    // pivot_root wants a mount point: the directory bound onto itself.
                    if (N.mount(r, r, null, N.MS_BIND, null) != 0) return Fail("bind the empty root onto itself", out detail);
                }
                else if (N.mount(src, r, null, bind, null) != 0) return Fail($"bind-mount {rootDir}", out detail);
                if (chdir(r) != 0) return Fail($"chdir {rootDir}", out detail);
                if (options.Proc)
                {
                    fixed (byte* proc = "proc\0"u8)
                    {
                        if (mkdir(proc, 0x16d) != 0 && N.LastErrno != Errno.EEXIST) return Fail("mkdir proc", out detail);
                        if (N.mount(proc, proc, proc, N.MS_NOSUID | N.MS_NODEV, null) != 0) return Fail("mount proc", out detail);
                    }
                }
                if (options.DevNull)
                {
                    fixed (byte* dev = "dev\0"u8)
                    fixed (byte* devNull = "dev/null\0"u8)
                    fixed (byte* nullSrc = Encoding.ASCII.GetBytes($"/proc/self/fd/{nullFd}\0"))
                    {
                        if (mkdir(dev, 0x1ed) != 0 && N.LastErrno != Errno.EEXIST) return Fail("mkdir dev", out detail);
                        int f = open(devNull, O_CREAT | O_WRONLY | O_CLOEXEC, 0x1b6);
                        if (f < 0) return Fail("create dev/null", out detail);
                        close(f);
                        if (N.mount(nullSrc, devNull, null, N.MS_BIND, null) != 0) return Fail("bind /dev/null", out detail);
                    }
                }
                if (options.ReadOnly && N.mount(null, r, null, N.MS_REMOUNT | N.MS_BIND | N.MS_RDONLY, null) != 0)
                    return Fail($"remount {rootDir} read-only", out detail);
                if (N.syscall(N.SYS_pivot_root, (long)dot, (long)dot, 0) != 0) return Fail("pivot_root(\".\", \".\")", out detail);
                // The old root is now stacked on the new one at "."; detaching it leaves the jail alone.
                if (umount2(dot, N.MNT_DETACH) != 0) return Fail("umount2(old root, MNT_DETACH)", out detail);
                if (chdir(slash) != 0) return Fail("chdir /", out detail);
            }

            // The finalizer thread still shares nothing with us (unshare gave the caller its own fs context), so it
            // may setns into our namespace; setns makes the namespace's root (now the jail) its root and cwd.
            var steps = new ThreadSteps();
            foreach (var (nfd, type) in extraNs) steps.Add(N.SYS_setns, nfd, type);
            steps.Add(N.SYS_setns, nsFd, N.CLONE_NEWNS);
            var e = ProcessThreads.RunOnOtherThreadIfAny(steps, threads, out string why);
            if (e != Errno.None)
            {
                detail = $"move the finalizer thread into the jail: {why}";
                return e;
            }
            detail = "";
            return Errno.None;
        }
        finally
        {
            if (nsFd >= 0) close(nsFd);
            if (rootFd >= 0) close(rootFd);
            if (nullFd >= 0) close(nullFd);
            foreach (var (nfd, _) in extraNs)
                if (nfd != options.JoinNetFd) close(nfd);
        }
    }

    static Errno Fail(string step, out string detail)
    {
        var e = N.LastErrno;
        detail = $"{step}: {e}";
        return e;
    }
}
