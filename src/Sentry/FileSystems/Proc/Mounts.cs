using System.Text;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.FileSystems.Proc;

/// <summary>/proc/[pid]/mounts and mountinfo, from the kernel's mount namespace.</summary>
public static class Mounts
{
    /// <summary>A mount as the task sees it: where, and its per-mount and file-system options.</summary>
    readonly record struct View(Mount M, string Point, string MountOpts, string SuperOpts);

    static IEnumerable<View> Visible(Task p)
    {
        var root = p.Fs.Root;
        foreach (var m in p.Kernel.Mounts.All)
        {
            string point;
            if (m.MountPoint == null || m.Parent == null) point = "/";
            else
            {
                var at = new VfsPath(m.Parent, m.MountPoint);
                if (!IsUnder(at, root)) continue; // outside the task's root: Linux leaves it out
                point = MountNamespace.PathOf(at, root);
            }
            string ro = m.ReadOnly ? "ro" : "rw";
            string flags = m.FsType switch
            {
                "proc" or "sysfs" => ",nosuid,nodev,noexec,relatime",
                "devtmpfs" => ",nosuid,relatime",
                "tmpfs" => ",nosuid,nodev,relatime",
                _ => ",relatime",
            };
            string super = m.FsType switch
            {
                "devtmpfs" => ",mode=755",
                "tmpfs" when m.Root.Inode.Stat(out var st) == Errno.None => $",mode={Convert.ToString(st.Mode & 0xfff, 8)}",
                _ => "",
            };
            yield return new View(m, point, ro + flags, ro + super);
        }
    }

    static bool IsUnder(VfsPath p, VfsPath root)
    {
        var cur = p;
        for (int guard = 0; guard < 4096; guard++)
        {
            if (cur.Mount == root.Mount && cur.Dentry == root.Dentry) return true;
            if (cur.Dentry == cur.Mount.Root)
            {
                if (cur.Mount.Parent == null) return false;
                cur = new VfsPath(cur.Mount.Parent, cur.Mount.MountPoint!);
            }
            else if (cur.Dentry.Parent == null) return false;
            else cur = new VfsPath(cur.Mount, cur.Dentry.Parent);
        }
        return false;
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

    /// <summary>/proc/[pid]/mounts (fstab format).</summary>
    public static string Text(Task p)
    {
        if (p.Exited) return "";
        var sb = new StringBuilder();
        foreach (var v in Visible(p))
        {
            // Per-mount and file-system options together, the rw/ro once.
            string opts = v.MountOpts + v.SuperOpts[2..];
            sb.Append($"{Mangle(v.M.Source)} {Mangle(v.Point)} {v.M.FsType} {opts} 0 0\n");
        }
        return sb.ToString();
    }

    /// <summary>/proc/[pid]/mountinfo: id parent major:minor root point options - type source super-options.</summary>
    public static string Info(Task p)
    {
        if (p.Exited) return "";
        var sb = new StringBuilder();
        foreach (var v in Visible(p))
        {
            var m = v.M;
            ulong dev = m.Root.Inode.Stat(out var st) == Errno.None ? st.Dev : 0;
            ulong major = ((dev >> 8) & 0xfff) | ((dev >> 32) & 0xfffff000), minor = (dev & 0xff) | ((dev >> 12) & 0xffffff00);
            // The root mount's parent is outside the namespace: Linux shows an id no mount here has.
            int parent = m.Parent?.Id ?? 1;
            sb.Append($"{m.Id} {parent} {major}:{minor} / {Mangle(v.Point)} {v.MountOpts} - {m.FsType} {Mangle(m.Source)} {v.SuperOpts}\n");
        }
        return sb.ToString();
    }
}
