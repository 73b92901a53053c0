using System.Text;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.FileSystems.Proc;

/// <summary>/proc/[pid]/mounts and mountinfo: the task's mount namespace as seen from its root.</summary>
public static class Mounts
{
    /// <summary>A mount as the task sees it: where, and its per-mount options (ro/rw first).</summary>
    readonly record struct View(Mount M, string Point, string MountOpts);

    static IEnumerable<View> Visible(Task p)
    {
        var root = p.Fs.Root;
        foreach (var m in p.Ns.Mnt.All)
        {
            // Linux shows a mount by its root's path from the task's root, and leaves out what is not under it.
            string point = MountNamespace.PathOf(new VfsPath(m, m.Root), root, out bool reachable);
            if (!reachable) continue;
            yield return new View(m, point, (m.Flags & Mount.MNT_READONLY) != 0 ? "ro" : "rw");
        }
    }

    /// <summary>The per-mount flags after rw/ro, in Linux's order (show_mnt_opts).</summary>
    static string FlagNames(Mount m)
    {
        var sb = new StringBuilder();
        int f = m.Flags;
        if ((f & Mount.MNT_NOSUID) != 0) sb.Append(",nosuid");
        if ((f & Mount.MNT_NODEV) != 0) sb.Append(",nodev");
        if ((f & Mount.MNT_NOEXEC) != 0) sb.Append(",noexec");
        if ((f & Mount.MNT_NOATIME) != 0) sb.Append(",noatime");
        if ((f & Mount.MNT_NODIRATIME) != 0) sb.Append(",nodiratime");
        if ((f & Mount.MNT_RELATIME) != 0) sb.Append(",relatime");
        if ((f & Mount.MNT_NOSYMFOLLOW) != 0) sb.Append(",nosymfollow");
        return sb.ToString();
    }

    /// <summary>A file system's own options; cgroup2's are its one hierarchy's, whichever mount set them.</summary>
    static string SuperOptions(Mount m) => m.Root.Inode is Cgroups.Cgroup cg ? cg.Hierarchy.SuperOptions : m.Super.Options;

    /// <summary>Where a mount's root is in its file system (a bind mount's directory; "/" for a whole one).</summary>
    static string RootInFs(Mount m)
    {
        var parts = new List<string>();
        for (var d = m.Root; d.Parent != null; d = d.Parent) parts.Add(d.Name);
        if (parts.Count == 0) return "/";
        parts.Reverse();
        return "/" + string.Join('/', parts);
    }

    /// <summary>Linux's mangle(): space, tab, newline and backslash as octal escapes.</summary>
    public static string Mangle(string s)
    {
        if (s.IndexOfAny(new[] { ' ', '\t', '\n', '\\' }) < 0) return s;
        var sb = new StringBuilder(s.Length + 8);
        foreach (char c in s)
            sb.Append(c switch { ' ' => "\\040", '\t' => "\\011", '\n' => "\\012", '\\' => "\\134", _ => c.ToString() });
        return sb.ToString();
    }

    /// <summary>/proc/[pid]/mounts (fstab format): ro if the mount or its file system is.</summary>
    public static string Text(Task p)
    {
        if (p.Exited) return "";
        var sb = new StringBuilder();
        foreach (var v in Visible(p))
        {
            var m = v.M;
            string opts = (m.ReadOnly ? "ro" : "rw") + FlagNames(m) + SuperOptions(m);
            sb.Append($"{Mangle(m.Source)} {Mangle(v.Point)} {m.FsType} {opts} 0 0\n");
        }
        return sb.ToString();
    }

    /// <summary>/proc/[pid]/mountinfo: id parent major:minor root point options [shared:N] [master:N] [unbindable]
    /// - type source super-options.</summary>
    public static string Info(Task p, Task? reader = null)
    {
        if (p.Exited) return "";
        var sb = new StringBuilder();
        foreach (var v in Visible(p))
        {
            var m = v.M;
            ulong dev = m.Root.Inode.Stat(out var st) == Errno.None ? st.Dev : 0;
            ulong major = ((dev >> 8) & 0xfff) | ((dev >> 32) & 0xfffff000), minor = (dev & 0xff) | ((dev >> 12) & 0xffffff00);
            int parent = m.Parent?.Id ?? m.Id;
            sb.Append($"{m.Id} {parent} {major}:{minor} {Mangle(m.Root.Inode is Cgroups.Cgroup cg ? Cgroups.CgroupPaths.MountRoot(reader ?? p, cg) : RootInFs(m))} {Mangle(v.Point)} {v.MountOpts}{FlagNames(m)}");
            if (m.Peers is { } peers) sb.Append($" shared:{peers.Id}");
            if (m.Master is { } master) sb.Append($" master:{master.Id}");
            if (m.Unbindable) sb.Append(" unbindable");
            sb.Append($" - {m.FsType} {Mangle(m.Source)} {(m.Super.ReadOnly ? "ro" : "rw")}{SuperOptions(m)}\n");
        }
        return sb.ToString();
    }
}
