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
        int nsFd = -1;
        try
        {
            if (unshare(N.CLONE_NEWNS) != 0) return Fail("unshare(CLONE_NEWNS)", out detail);
            // The finalizer thread joins through this descriptor once the pivot is done; /proc is still visible here.
            fixed (byte* p = "/proc/thread-self/ns/mnt\0"u8) nsFd = open(p, O_RDONLY | O_CLOEXEC);
            if (nsFd < 0) return Fail("open /proc/thread-self/ns/mnt", out detail);

            fixed (byte* slash = "/\0"u8)
            fixed (byte* dot = ".\0"u8)
            fixed (byte* r = root)
            {
                if (N.mount(null, slash, null, N.MS_REC | N.MS_PRIVATE, null) != 0) return Fail("make / private (MS_REC|MS_PRIVATE)", out detail);
                ulong bind = N.MS_BIND | (options.Recursive ? N.MS_REC : 0);
                if (N.mount(r, r, null, bind, null) != 0) return Fail($"bind-mount {rootDir} onto itself", out detail);
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
        }
    }

    static Errno Fail(string step, out string detail)
    {
        var e = N.LastErrno;
        detail = $"{step}: {e}";
        return e;
    }
}
