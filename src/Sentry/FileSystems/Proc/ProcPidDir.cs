using System.Text;
using AppKernel.Sentry.FileSystems.Synthetic;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.FileSystems.Proc;

/// <summary>/proc/[pid]: a live view of one task.</summary>
public sealed class ProcPidDir : SynthDir
{
    public ProcPidDir(Task p, bool thread = false)
    {
        if (!thread) Add("task", new SynthDir { Dynamic = _ => new (string, Func<Inode>)[] { (p.Tid.ToString(), () => new ProcPidDir(p, true)) } });
        Add("exe", new SynthSymlink(_ => p.Exe.IsValid ? MountNamespace.PathOf(p.Exe, p.Fs.Root) : "", _ => p.Exe));
        Add("cwd", new SynthSymlink(_ => MountNamespace.PathOf(p.Fs.Cwd, p.Fs.Root), _ => p.Fs.Cwd));
        Add("root", new SynthSymlink(_ => "/", _ => p.Fs.Root));
        Add("fd", new SynthDir { Dynamic = _ => Fds(p) });
        Add("fdinfo", new SynthDir { Dynamic = _ => FdInfos(p) });
        Add("maps", new SynthFile(_ => p.Exited ? "" : p.MM.Maps()));
        Add("cmdline", new SynthFile(_ => "") { Bytes = _ => ReadGuest(p, p.MM.ArgStart, p.MM.ArgEnd) });
        Add("environ", new SynthFile(_ => "") { Bytes = _ => ReadGuest(p, p.MM.EnvStart, p.MM.EnvEnd) });
        Add("comm", new SynthFile(_ => p.Comm + "\n"));
        Add("stat", new SynthFile(_ => StatLine(p)));
        Add("status", new SynthFile(_ => Status(p)));
        Add("mounts", new SynthFile(_ => Mounts(p)));
        Add("limits", new SynthFile(_ => "Limit                     Soft Limit           Hard Limit           Units     \n"));
    }

    static byte[] ReadGuest(Task p, ulong start, ulong end)
    {
        if (p.Exited || end <= start || end - start > 1 << 20) return Array.Empty<byte>();
        var b = new byte[end - start];
        int n = p.Mem.ReadPartial(start, b);
        return b[..n];
    }

    static IEnumerable<(string, Func<Inode>)> Fds(Task p)
    {
        foreach (var fd in p.Fds.OpenFds())
        {
            int n = fd;
            yield return (n.ToString(), () => new SynthSymlink(
                t => p.Fds.Get(n)?.DisplayName(t) ?? "",
                _ => p.Fds.Get(n) is { Path.IsValid: true } f ? f.Path : null) { Perm = 0x1c0 });
        }
    }

    static IEnumerable<(string, Func<Inode>)> FdInfos(Task p)
    {
        foreach (var fd in p.Fds.OpenFds())
        {
            int n = fd;
            yield return (n.ToString(), () => new SynthFile(_ =>
            {
                var f = p.Fds.Get(n);
                return f == null ? "" : $"pos:\t{f.Offset}\nflags:\t0{Convert.ToString(f.Flags | (p.Fds.GetCloexec(n) ? OpenFlags.O_CLOEXEC : 0), 8)}\nmnt_id:\t{(f.Path.IsValid ? f.Path.Mount.Id : 0)}\n";
            }));
        }
    }

    static string StatLine(Task p)
    {
        ulong vsize = 0;
        if (!p.Exited) foreach (var v in p.MM.Vmas.All) vsize += v.Length;
        long start = 0;
        return $"{p.Tgid} ({p.Comm}) R {p.Ppid} {p.Tgid} {p.Tgid} 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0 {start} {vsize} 0 " +
               $"18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n";
    }

    static string Status(Task p)
    {
        ulong vsize = 0;
        if (!p.Exited) foreach (var v in p.MM.Vmas.All) vsize += v.Length;
        var c = p.Creds;
        return $"Name:\t{p.Comm}\nUmask:\t{Convert.ToString(p.Fs.Umask, 8).PadLeft(4, '0')}\nState:\tR (running)\nTgid:\t{p.Tgid}\nNgid:\t0\nPid:\t{p.Tid}\nPPid:\t{p.Ppid}\n" +
               $"TracerPid:\t0\nUid:\t{c.Uid}\t{c.Euid}\t{c.Suid}\t{c.Fsuid}\nGid:\t{c.Gid}\t{c.Egid}\t{c.Sgid}\t{c.Fsgid}\nFDSize:\t64\nGroups:\t\n" +
               $"VmSize:\t{vsize / 1024} kB\nThreads:\t1\nSigBlk:\t{p.Signals.Mask:x16}\nCapEff:\t000001ffffffffff\nSeccomp:\t0\n";
    }

    static string Mounts(Task p)
    {
        var sb = new StringBuilder();
        foreach (var m in p.Kernel.Mounts.All)
        {
            string at = m.MountPoint == null ? "/" : MountNamespace.PathOf(new VfsPath(m.Parent!, m.MountPoint), p.Fs.Root);
            sb.Append($"{m.Source} {at} {m.FsType} {(m.ReadOnly ? "ro" : "rw")},relatime 0 0\n");
        }
        return sb.ToString();
    }
}
