namespace AppKernel.Sentry.Vfs;

/// <summary>
/// Mount and umount events carried to the peers and slaves of a shared mount, in every namespace (Linux's
/// propagate_mnt and propagate_umount): a mount made on a shared mount's directory appears, as a copy, on the
/// same directory of each peer (the copies are peers of one another) and of each slave (a copy there is a slave
/// of the new mount's group, and shared in a group of its own when the slave is itself shared); an unmount takes
/// the copies away where nothing is mounted on them.
/// </summary>
public static class Propagation
{
    /// <summary>After tree (with what is below it) was hung on (dest, point): copies it to dest's peers and slaves.</summary>
    public static void Mounted(Mount dest, Dentry point, Mount tree)
    {
        if (dest.Peers == null) return;
        // The new tree and the copies are new mounts: never propagated to (Linux's IS_MNT_NEW).
        var seen = new HashSet<Mount> { dest, tree };
        ToGroup(dest.Peers, point, tree, seen);
    }

    /// <summary>How many copies a mount on (dest, point) makes elsewhere (what count_mounts adds up).</summary>
    public static int Receivers(Mount dest, Dentry point)
    {
        if (dest.Peers == null) return 0;
        var seen = new HashSet<Mount> { dest };
        return CountGroup(dest.Peers, point, seen);
    }

    static int CountGroup(PeerGroup g, Dentry point, HashSet<Mount> seen)
    {
        int n = 0;
        foreach (var p in g.Members)
            if (seen.Add(p) && p.Ns != null && Visible(p, point)) n++;
        foreach (var s in g.Slaves)
        {
            if (!seen.Add(s) || s.Ns == null || !Visible(s, point)) continue;
            n++;
            if (s.Peers != null) n += CountGroup(s.Peers, point, seen);
        }
        return n;
    }

    static void ToGroup(PeerGroup g, Dentry point, Mount source, HashSet<Mount> seen)
    {
        foreach (var p in g.Members)
        {
            if (!seen.Add(p) || p.Ns == null || !Visible(p, point)) continue;
            var copy = CopyTree(source, asSlave: false);
            seen.Add(copy);
            Hang(p, point, copy, source);
        }
        foreach (var s in g.Slaves)
        {
            if (!seen.Add(s) || s.Ns == null || !Visible(s, point)) continue;
            var copy = CopyTree(source, asSlave: true);
            seen.Add(copy);
            Hang(s, point, copy, source);
            // The slave's own peers receive what it received, as peers of its copy.
            if (s.Peers != null) ToGroup(s.Peers, point, copy, seen);
        }
    }

    static void Hang(Mount at, Dentry point, Mount copy, Mount source)
    {
        var ns = at.Ns!;
        ns.Attach(copy, new VfsPath(at, point));
        // What hung below the source hangs below the copy.
        if (source.Ns == null) return;
        var copies = new Dictionary<Mount, Mount> { [source] = copy };
        foreach (var c in source.Ns.Below(source))
        {
            if (!copies.TryGetValue(c.Parent!, out var parent)) continue;
            var cc = c.Clone(c.Root, makePrivate: false);
            copies[c] = cc;
            ns.Attach(cc, new VfsPath(parent, c.MountPoint!));
        }
    }

    /// <summary>A copy of source's root mount: a peer of it, or a slave of its group.</summary>
    static Mount CopyTree(Mount source, bool asSlave)
    {
        var c = source.Clone(source.Root, makePrivate: asSlave);
        if (asSlave) c.Master = source.Peers ?? source.Master;
        return c;
    }

    /// <summary>Whether point (a directory of dest's file system) is inside mount m; nothing propagates into a
    /// detached tree (as Linux before 6.15 and again since 6.16).</summary>
    static bool Visible(Mount m, Dentry point)
    {
        if (m.Ns is { IsAnonymous: true }) return false;
        for (var d = point; d != null; d = d.Parent)
            if (d == m.Root || d.Inode == m.Root.Inode) return true;
        return false;
    }

    /// <summary>Before m is unmounted from (parent, point): the mounts propagated to the same place in parent's
    /// peers and slaves, which go with it unless something is mounted on them.</summary>
    public static List<Mount> Unmounted(Mount parent, Dentry point, Mount m)
    {
        var result = new List<Mount>();
        if (parent.Peers == null) return result;
        var seen = new HashSet<Mount> { parent };
        Collect(parent.Peers, point, m, seen, result);
        return result;
    }

    static void Collect(PeerGroup g, Dentry point, Mount m, HashSet<Mount> seen, List<Mount> result)
    {
        foreach (var p in g.Members.Concat(g.Slaves))
        {
            if (!seen.Add(p) || p.Ns == null) continue;
            var c = p.Ns.ChildAt(p, point);
            if (c != null && c != m && !p.Ns.HasChildren(c) && c.Super == m.Super) result.Add(c);
            if (p.Master == g && p.Peers != null) Collect(p.Peers, point, m, seen, result);
        }
    }
}
