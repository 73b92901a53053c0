using AppKernel.Sentry.FileSystems.Tmpfs;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;
using FsCheck.Xunit;
using Microsoft.Extensions.Logging.Abstractions;
using Task = AppKernel.Sentry.Kernel.Task;

namespace AppKernel.Tests.Vfs;

/// <summary>
/// Model-based test of the path walker: a random tree of directories, files and symlinks is built both in a
/// tmpfs and in a plain model; random paths must resolve to the same place (or fail with the same errno).
/// </summary>
public sealed class PathWalkModelTests
{
    abstract record Node;
    sealed record DirNode(Dictionary<string, Node> Children) : Node;
    sealed record FileNode : Node;
    sealed record LinkNode(string Target) : Node;

    static readonly string[] Names = { "a", "b", "c" };

    static string RandomPath(Random r)
    {
        var parts = new List<string>();
        int n = r.Next(0, 5);
        for (int i = 0; i < n; i++)
            parts.Add(r.Next(10) switch { 0 => "..", 1 => ".", _ => Names[r.Next(Names.Length)] });
        var s = string.Join("/", parts);
        if (r.Next(3) == 0) s = "/" + s;
        if (r.Next(5) == 0) s += "/";
        return s.Length == 0 ? "." : s;
    }

    static DirNode RandomTree(Random r, int depth)
    {
        var d = new DirNode(new Dictionary<string, Node>());
        foreach (var name in Names)
            switch (r.Next(depth > 2 ? 3 : 5))
            {
                case 0: break;
                case 1: d.Children[name] = new FileNode(); break;
                case 2: d.Children[name] = new LinkNode(r.Next(8) == 0 ? "" : RandomPath(r)); break;
                default: d.Children[name] = RandomTree(r, depth + 1); break;
            }
        return d;
    }

    static void Build(Task t, Inode dir, DirNode model)
    {
        foreach (var (name, node) in model.Children)
            switch (node)
            {
                case FileNode: dir.Create(t, name, InodeMode.S_IFREG | 0x1a4, out _); break;
                case LinkNode l: dir.Symlink(t, name, l.Target); break;
                case DirNode sub:
                    dir.Mkdir(t, name, 0x1ed);
                    dir.Lookup(t, name, out var child);
                    Build(t, child!, sub);
                    break;
            }
    }

    // The model: positions are lists of names from the root.
    static Errno ModelResolve(DirNode root, List<string> from, string path, bool followFinal, ref int links, out List<string> at)
    {
        at = new List<string>();
        if (path.Length == 0) return Errno.ENOENT;
        var cur = path.StartsWith('/') ? new List<string>() : new List<string>(from);
        var comps = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        bool trailing = path.EndsWith('/');
        for (int i = 0; i < comps.Length; i++)
        {
            if (NodeAt(root, cur) is not DirNode dir) return Errno.ENOTDIR;
            var c = comps[i];
            if (c == ".") continue;
            if (c == "..") { if (cur.Count > 0) cur.RemoveAt(cur.Count - 1); continue; }
            if (!dir.Children.TryGetValue(c, out var child)) return Errno.ENOENT;
            bool last = i == comps.Length - 1;
            if (child is LinkNode l && (!last || followFinal || trailing))
            {
                if (++links > PathWalker.MaxSymlinks) return Errno.ELOOP;
                if (l.Target.Length == 0) return Errno.ENOENT;
                var e = ModelResolve(root, cur, l.Target, true, ref links, out cur);
                if (e != Errno.None) return e;
                continue;
            }
            cur.Add(c);
        }
        if (trailing && NodeAt(root, cur) is not DirNode) return Errno.ENOTDIR;
        at = cur;
        return Errno.None;
    }

    static Node? NodeAt(DirNode root, List<string> at)
    {
        Node n = root;
        foreach (var c in at)
            if (n is not DirNode d || !d.Children.TryGetValue(c, out n!)) return null;
        return n;
    }

    [Property(MaxTest = 200)]
    public bool WalkerAgreesWithModel(int seed)
    {
        var r = new Random(seed);
        var model = RandomTree(r, 0);
        var kernel = new Kernel(new KernelOptions { Root = RootMode.Writable }, NullLogger.Instance, TmpfsFs.Create(0x1ed));
        var t = Task.ForSetup(kernel);
        Build(t, kernel.Mounts.RootPath.Inode, model);
        for (int i = 0; i < 40; i++)
        {
            var path = RandomPath(r);
            bool follow = r.Next(2) == 0;
            int links = 0;
            var me = ModelResolve(model, new List<string>(), path, follow, ref links, out var mAt);
            var we = PathWalker.Resolve(t, kernel.Mounts.RootPath, path, follow, out var wAt);
            if (me != we) throw new Exception($"seed {seed} path '{path}' follow={follow}: model {me}, walker {we}");
            if (we == Errno.None)
            {
                var expect = "/" + string.Join("/", mAt);
                var got = MountNamespace.PathOf(wAt, kernel.Mounts.RootPath);
                if (expect != got) throw new Exception($"seed {seed} path '{path}' follow={follow}: model {expect}, walker {got}");
            }
        }
        return true;
    }
}
