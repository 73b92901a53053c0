using AppKernel.Gofer;
using AppKernel.Sentry.FileSystems.Gofer;
using AppKernel.Sentry.Vfs;
using AppKernel.Tests.Gofer;
using Xunit;

namespace AppKernel.Tests.Vfs;

/// <summary>
/// A read-only gofer tree's listing walks its subdirectories only inside a tree walk: a directory looked up after its
/// parent was listed, or reached through such a walked fid. The walked fids are what the lookups then use.
/// </summary>
public sealed class GoferTreeWalkTests
{
    static void Populate(string root)
    {
        for (int i = 0; i < 5; i++) Directory.CreateDirectory(Path.Combine(root, "top", $"d{i}", "inner"));
        File.WriteAllText(Path.Combine(root, "top", "file"), "x");
        for (int i = 0; i < 4; i++) Directory.CreateDirectory(Path.Combine(root, "pkgs", $"p{i}"));
    }

    static List<DirEntry> List(Inode dir)
    {
        var list = new List<DirEntry>();
        Assert.Equal(Errno.None, dir.ReadDir(null!, list));
        return list;
    }

    [Fact]
    public void OnlyATreeWalkWalksTheListedSubdirectories()
    {
        using var h = new GoferHost(writable: false, populate: Populate);
        Assert.Equal(Errno.None, GoferFs.Attach(h.Client!, writable: false, overlaid: false, out var root));

        // pkgs is looked up before its parent is listed (a path walk, not a tree walk): listing it walks nothing.
        Assert.Equal(Errno.None, root!.Lookup(null!, "pkgs", out var pkgs));
        int fids = h.Server.LiveFids;
        Assert.Equal(4, List(pkgs!).Count);
        Assert.Equal(fids, h.Server.LiveFids);

        // The root is listed, then top looked up: a tree walk. Listing top walks its five subdirectories, not its file.
        List(root);
        Assert.Equal(Errno.None, root.Lookup(null!, "top", out var top));
        fids = h.Server.LiveFids;
        Assert.Equal(6, List(top!).Count);
        Assert.Equal(fids + 5, h.Server.LiveFids);

        // A lookup takes its walked fid (no new one), and the node it makes is that directory, in the tree walk too.
        Assert.Equal(Errno.None, top!.Lookup(null!, "d3", out var d3));
        Assert.Equal(fids + 5, h.Server.LiveFids);
        Assert.Equal(Errno.None, d3!.Stat(out var st));
        Assert.Equal(HostFs.Lstat(Path.Combine(h.Root, "top", "d3")).Ino, st.Ino);
        Assert.Equal("inner", Assert.Single(List(d3)).Name);
        Assert.Equal(fids + 6, h.Server.LiveFids);
        Assert.Equal(Errno.None, d3.Lookup(null!, "inner", out var inner));
        Assert.Empty(List(inner!));
    }
}
