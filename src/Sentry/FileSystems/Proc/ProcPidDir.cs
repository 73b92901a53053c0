using System.Text;
using AppKernel.Sentry.FileSystems.Synthetic;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Memory;
using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.FileSystems.Proc;

/// <summary>
/// /proc/[pid] and /proc/[pid]/task/[tid]: a live view of one task. One directory object per task (kept
/// while the task lives), so inode numbers stay the same from one lookup to the next.
/// </summary>
public sealed class ProcPidDir : SynthDir
{
    /// <summary>The directory of task p (thread: the task/[tid] flavour, which has no task/ of its own) in a proc
    /// mounted in PID namespace ns (its ids are that namespace's), kept on the task for the root namespace, else by ns.</summary>
    public static ProcPidDir For(Task p, PidNamespace ns, bool thread = false)
    {
        if (!ns.IsRoot) return (ProcPidDir)(thread ? ns.ProcThreadDirs : ns.ProcDirs).GetValue(p, x => new ProcPidDir(x, ns, thread));
        ref object? slot = ref thread ? ref p.ProcThreadDir : ref p.ProcDir;
        return (ProcPidDir)(Volatile.Read(ref slot) ?? Interlocked.CompareExchange(ref slot, new ProcPidDir(p, ns, thread), null) ?? slot!);
    }

    readonly Task _p;
    readonly bool _thread;
    readonly PidNamespace _ns;
    int _oomScoreAdj;

    /// <summary>The process of a /proc/[pid] directory (not a task/[tid] one): pidfd_send_signal takes its fd as a pidfd.</summary>
    public Task? Process => _thread ? null : _p;

    ProcPidDir(Task p, PidNamespace ns, bool thread)
    {
        _p = p;
        _ns = ns;
        _thread = thread;
        Owner = OwnerOf(p);
        if (!thread) Add("task", Own(new SynthDir { Dynamic = _ => Threads(p, ns), Links = () => 2 + (ulong)p.Group.Count }));
        else Add("children", Own(new SynthFile(_ => ProcPidFiles.Children(p, ns))));
        Add("fd", Own(new SynthDir { Perm = 0x140, Dynamic = _ => Fds(p) }));            // 0500
        Add("fdinfo", Own(new SynthDir { Perm = 0x140, Dynamic = _ => FdInfos(p) }));    // 0500
        Add("environ", Own(new SynthFile(_ => "") { Perm = 0x100, Bytes = _ => Environ(p) })); // 0400
        Add("auxv", Own(new SynthFile(_ => "") { Perm = 0x100, Bytes = _ => ProcPidFiles.MmOf(p)?.SavedAuxv ?? Array.Empty<byte>() }));
        Add("status", Own(new SynthFile(t => ProcPidFiles.Status(t, p, ns))));
        Add("personality", Own(new SynthFile("00000000\n") { Perm = 0x100 }));
        Add("limits", Own(new SynthFile(_ => ProcPidFiles.Limits(p))));
        Add("comm", Own(new SynthFile(_ => p.Comm + "\n") { Perm = 0x1a4, Write = (t, b) => WriteComm(t, p, b) }));
        Add("cmdline", Own(new SynthFile(_ => "") { Bytes = _ => Cmdline(p) }));
        Add("stat", Own(new SynthFile(t => ProcPidFiles.Stat(t, p, ns))));
        Add("statm", Own(new SynthFile(_ => ProcPidFiles.Statm(p))));
        // The memory's layout needs ptrace read access (proc_maps_open's mm_access), checked at open.
        Add("maps", Own(new SynthFile(t => ProcPidFiles.MmOf(p)?.Maps(t.Fs.Root) ?? "") { MayOpen = t => MayRead(t, p) }));
        Add("smaps", Own(new SynthFile(t => ProcPidFiles.MmOf(p)?.Maps(t.Fs.Root, smaps: true) ?? "") { MayOpen = t => MayRead(t, p) }));
        Add("mem", Own(new ProcPidMem(p)));
        Add("cwd", Own(new SynthSymlink(t => MountNamespace.PathOf(p.Fs.Cwd, t.Fs.Root), _ => p.Fs.Cwd)));
        Add("root", Own(new SynthSymlink(t => MountNamespace.PathOf(p.Fs.Root, t.Fs.Root), _ => p.Fs.Root)));
        // A zombie has no memory, so no exe (ENOENT).
        Add("exe", Own(new SynthSymlink(t => !p.Exited && p.Exe.IsValid ? MountNamespace.PathOf(p.Exe, t.Fs.Root) : null,
            _ => !p.Exited && p.Exe.IsValid ? p.Exe : null)));
        Add("mounts", Own(new SynthFile(_ => Mounts.Text(p)) { Watch = _ => p.Ns.Mnt.Watch() }));
        Add("mountinfo", Own(new SynthFile(t => Mounts.Info(p, t)) { Watch = _ => p.Ns.Mnt.Watch() }));
        Add("net", ProcNet.Dir(p.Kernel));
        Add("ns", ProcNs.Dir(p, OwnerOf(p)));
        Add("oom_score", Own(new SynthFile("0\n")));
        var process = thread ? For(p, ns) : this; // oom_score_adj belongs to the process, not the thread
        Add("oom_adj", Own(new SynthFile(_ => $"{(process._oomScoreAdj == 1000 ? 15 : process._oomScoreAdj * 17 / 1000)}\n") { Perm = 0x1a4, Write = (_, b) => process.WriteOomAdj(b) }));
        Add("oom_score_adj", Own(new SynthFile(_ => $"{process._oomScoreAdj}\n") { Perm = 0x1a4, Write = (_, b) => process.WriteOomScoreAdj(b) }));
        Add("loginuid", Own(new SynthFile("4294967295") { Perm = 0x1a4, Write = (_, _) => -(long)Errno.EPERM }));
        Add("sessionid", Own(new SynthFile("4294967295")));
        Add("cgroup", Own(new SynthFile(t => Cgroups.CgroupPaths.ProcText(t, p))));
        // Which mappings a core dump would include; no dump is made.
        Add("coredump_filter", Own(new SynthFile(_ => $"{p.Group.CoredumpFilter:x8}\n") { Perm = 0x1a4, Write = (_, b) => WriteCoredumpFilter(p, b) }));
        Add("wchan", Own(new SynthFile("0")));
        // The thread's own counts under task/, the whole process's at the top.
        Add("io", Own(new SynthFile(_ => (thread ? p.Io : p.Group.IoTotals()).Text()) { Perm = 0x100, MayOpen = t => MayRead(t, p) }));
        Add("uid_map", Own(new ProcUserNsFile(p, ProcUserNsFile.Kind.UidMap)));
        Add("gid_map", Own(new ProcUserNsFile(p, ProcUserNsFile.Kind.GidMap)));
        Add("setgroups", Own(new ProcUserNsFile(p, ProcUserNsFile.Kind.Setgroups)));
        ProcStyle();
        Gone = () => Reaped;
    }

    /// <summary>A reaped task's directory, still reachable through an open fd, has nothing left: every lookup in it
    /// is ESRCH, and a listing of it (or of its subdirectories) ENOENT, as Linux's.</summary>
    internal bool Reaped => _p.Released;

    /// <summary>Every lookup reaches <see cref="Lookup"/>, so one after the task is reaped fails (Linux revalidates
    /// /proc/[pid] dentries).</summary>
    public override bool CacheChildren => false;

    public override Errno Lookup(Task t, string name, out Inode? child)
    {
        if (Reaped)
        {
            child = null;
            return Errno.ESRCH;
        }
        return base.Lookup(t, name, out child);
    }

    /// <summary>A number as kstrtouint with base 0 reads it (0x hex, 0 octal, else decimal); the filter's 9 bits kept.</summary>
    static long WriteCoredumpFilter(Task p, byte[] b)
    {
        const uint FilterBits = 0x1ff;
        var s = LinuxText.Decode(b).TrimEnd('\0').Trim();
        uint v;
        bool ok = s.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? uint.TryParse(s.AsSpan(2), System.Globalization.NumberStyles.AllowHexSpecifier, null, out v)
            : s.Length > 1 && s[0] == '0' ? TryOctal(s, out v) : uint.TryParse(s, System.Globalization.NumberStyles.None, null, out v);
        if (!ok) return -(long)Errno.EINVAL;
        p.Group.CoredumpFilter = v & FilterBits;
        return b.Length;
    }

    static bool TryOctal(string s, out uint v)
    {
        v = 0;
        foreach (char c in s)
        {
            if (c is < '0' or > '7' || v > uint.MaxValue / 8) return false;
            v = v * 8 + (uint)(c - '0');
        }
        return true;
    }

    static Errno MayRead(Task t, Task p) => p.Exited || Syscalls.ProcessVmSyscalls.MayAccess(t, p, fsCreds: true) ? Errno.None : Errno.EACCES;

    static Func<(uint, uint)> OwnerOf(Task p) => () => (p.Creds.Euid, p.Creds.Egid);

    T Own<T>(T inode) where T : SynthInode
    {
        inode.Owner = Owner;
        if (inode is SynthFile f)
        {
            f.WriteError = Errno.EINVAL;
            f.Gone = () => Reaped ? Errno.ESRCH : Errno.None;
        }
        if (inode is SynthDir d)
        {
            d.ProcStyle();
            d.Gone = () => Reaped;
        }
        return inode;
    }

    static IEnumerable<(string, Func<Inode>)> Threads(Task p, PidNamespace ns)
    {
        foreach (var th in p.Group.Threads())
        {
            var x = th;
            if (!x.Exited && ns.IdOf(x.Tid) is > 0 and var id) yield return (id.ToString(), () => For(x, ns, thread: true));
        }
    }

    // --- cmdline, environ, comm -------------------------------------------------------------------

    static byte[] ReadGuest(Task p, ulong start, ulong end)
    {
        if (p.Exited || end <= start || end - start > 1 << 20) return Array.Empty<byte>();
        var b = new byte[end - start];
        int n = p.Mem.ReadPartial(start, b);
        return b[..n];
    }

    /// <summary>Linux's get_mm_cmdline: the argument strings; if the process overwrote the final NUL
    /// (setproctitle), the first string of the argument-and-environment area, up to a page.</summary>
    static byte[] Cmdline(Task p)
    {
        if (ProcPidFiles.MmOf(p) is not { } mm) return Array.Empty<byte>();
        ulong argStart = mm.ArgStart, argEnd = mm.ArgEnd, envStart = mm.EnvStart, envEnd = mm.EnvEnd;
        if (argEnd <= argStart) return Array.Empty<byte>();
        if (envStart != argEnd || envEnd < envStart) envStart = envEnd = argEnd;
        Span<byte> last = stackalloc byte[1];
        if (p.Mem.ReadPartial(argEnd - 1, last) == 1 && last[0] != 0)
        {
            var page = ReadGuest(p, argStart, argStart + Math.Min(envEnd - argStart, MemoryManager.PageSize));
            int nul = Array.IndexOf(page, (byte)0);
            return nul >= 0 ? page[..(nul + 1)] : page;
        }
        return ReadGuest(p, argStart, argEnd);
    }

    static byte[] Environ(Task p) => ProcPidFiles.MmOf(p) is { } mm ? ReadGuest(p, mm.EnvStart, mm.EnvEnd) : Array.Empty<byte>();

    /// <summary>Writing comm renames a task of the writer's own process (first 15 bytes, up to a NUL), as prctl(PR_SET_NAME).</summary>
    static long WriteComm(Task t, Task p, byte[] b)
    {
        if (t.Tgid != p.Tgid) return -(long)Errno.EINVAL;
        int n = Math.Min(b.Length, 15);
        int nul = Array.IndexOf(b, (byte)0, 0, n);
        if (nul >= 0) n = nul;
        p.Comm = LinuxText.Decode(b.AsSpan(0, n));
        return b.Length;
    }

    static bool ParseInt(byte[] b, out int v) =>
        int.TryParse(Encoding.ASCII.GetString(b).Trim(), System.Globalization.NumberStyles.AllowLeadingSign,
            System.Globalization.CultureInfo.InvariantCulture, out v);

    long WriteOomScoreAdj(byte[] b)
    {
        if (!ParseInt(b, out int v) || v < -1000 || v > 1000) return -(long)Errno.EINVAL;
        _oomScoreAdj = v;
        return b.Length;
    }

    /// <summary>The old interface: -17..15, scaled to oom_score_adj (15 is the maximum, 1000).</summary>
    long WriteOomAdj(byte[] b)
    {
        if (!ParseInt(b, out int v) || v < -17 || v > 15) return -(long)Errno.EINVAL;
        _oomScoreAdj = v == 15 ? 1000 : v * 1000 / 17;
        return b.Length;
    }

    // --- fd and fdinfo ----------------------------------------------------------------------------

    IEnumerable<(string, Func<Inode>)> Fds(Task p)
    {
        foreach (var fd in p.Fds.OpenFds())
        {
            int n = fd;
            int flags;
            using (var fRef = p.Fds.Borrow(n))
            {
                if (fRef.File == null) continue;
                flags = fRef.File.Flags;
            }
            // lr-x------, l-wx------ or lrwx------ after the description's access mode, as Linux shows.
            uint perm = (OpenFlags.CanRead(flags) ? 0x100u : 0) | (OpenFlags.CanWrite(flags) ? 0x80u : 0) | 0x40;
            yield return (n.ToString(), () => Own(new SynthSymlink(
                t => { using var g = p.Fds.Borrow(n); return g.File?.DisplayName(t); },
                t =>
                {
                    using var g = p.Fds.Borrow(n);
                    return g.File is { } gf ? gf.Path.IsValid ? gf.Path : ReopenInode.PathFor(t, gf) : null;
                }) { Perm = perm }));
        }
    }

    IEnumerable<(string, Func<Inode>)> FdInfos(Task p)
    {
        foreach (var fd in p.Fds.OpenFds())
        {
            int n = fd;
            yield return (n.ToString(), () => Own(new SynthFile(_ =>
            {
                using var fRef = p.Fds.Borrow(n); var f = fRef.File;
                if (f == null) return "";
                int flags = f.Flags | (p.Fds.GetCloexec(n) ? OpenFlags.O_CLOEXEC : 0);
                ulong ino = f.Stat(out var st) == Errno.None ? st.Ino : 0;
                int mnt = f.Path.IsValid ? f.Path.Mount.Id : 0;
                return $"pos:\t{f.Offset}\nflags:\t0{Convert.ToString(flags, 8)}\nmnt_id:\t{mnt}\nino:\t{ino}\n";
            })));
        }
    }
}
