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
        int nsFd = -1, rootFd = -1;
        try
        {
            if (unshare(N.CLONE_NEWNS) != 0) return Fail("unshare(CLONE_NEWNS)", out detail);
            // The finalizer thread joins through this descriptor once the pivot is done; /proc is still visible here.
            fixed (byte* p = "/proc/thread-self/ns/mnt\0"u8) nsFd = open(p, O_RDONLY | O_CLOEXEC);
            if (nsFd < 0) return Fail("open /proc/thread-self/ns/mnt", out detail);

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
                if (N.mount(src, r, null, bind, null) != 0) return Fail($"bind-mount {rootDir}", out detail);
                if (options.ReadOnly && N.mount(null, r, null, N.MS_REMOUNT | N.MS_BIND | N.MS_RDONLY, null) != 0)
                    return Fail($"remount {rootDir} read-only", out detail);
                if (chdir(r) != 0) return Fail($"chdir {rootDir}", out detail);
                if (N.syscall(N.SYS_pivot_root, (long)dot, (long)dot, 0) != 0) return Fail("pivot_root(\".\", \".\")", out detail);
                // The old root is now stacked on the new one at "."; detaching it leaves the jail alone.
                if (umount2(dot, N.MNT_DETACH) != 0) return Fail("umount2(old root, MNT_DETACH)", out detail);
                if (chdir(slash) != 0) return Fail("chdir /", out detail);
            }

            // The finalizer thread still shares nothing with us (unshare gave the caller its own fs context), so it
            // may setns into our namespace; setns makes the namespace's root (now the jail) its root and cwd.
            int fd = nsFd;
            var e = ProcessThreads.RunOnFinalizerThreadIfAny(() => setns(fd, N.CLONE_NEWNS) == 0 ? Errno.None : N.LastErrno, threads, out string why);
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
        }
    }

    static Errno Fail(string step, out string detail)
    {
        var e = N.LastErrno;
        detail = $"{step}: {e}";
        return e;
    }
}
