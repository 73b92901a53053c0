using AppKernel.Gofer;
using AppKernel.Sentry.FileSystems.Gofer;
using AppKernel.Sentry.Vfs;
using AppKernel.Tests.Gofer;
using Xunit;

namespace AppKernel.Tests.Vfs;

/// <summary>
/// Under the overlay a gofer directory keeps its first listing (the tree does not change under the sandbox, as its
/// stats assume) and answers later listings and lookups' misses from it; a tree the host may change (an OCI bind
/// mount, not overlaid) asks the gofer every time.
/// </summary>
public sealed class GoferListingCacheTests
{
    static void Populate(string root)
    {
        Directory.CreateDirectory(Path.Combine(root, "dir"));
        for (int i = 0; i < 3; i++) File.WriteAllText(Path.Combine(root, "dir", $"f{i}"), "x");
    }

    // The tree's "dir", read-only, with or without the overlay above.
    static Inode Dir(GoferHost h, bool overlaid)
    {
        Assert.Equal(Errno.None, GoferFs.Attach(h.Client!, writable: false, overlaid: overlaid, out var root));
        Assert.Equal(Errno.None, root!.Lookup(null!, "dir", out var dir));
        return dir!;
    }

    static List<string> Names(Inode dir)
    {
        var list = new List<DirEntry>();
        Assert.Equal(Errno.None, dir.ReadDir(null!, list));
        return list.Select(d => d.Name).Order(StringComparer.Ordinal).ToList();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void OnlyAnOverlaidTreeKeepsItsListings(bool overlaid)
    {
        using var h = new GoferHost(writable: false, populate: Populate);
        var dir = Dir(h, overlaid);
        Assert.Equal(["f0", "f1", "f2"], Names(dir));

        // Behind the gofer's back: only a tree that is not overlaid sees it.
        File.WriteAllText(Path.Combine(h.Root, "dir", "late"), "y");
        var again = Names(dir);
        var lookup = dir.Lookup(null!, "late", out _);
        if (overlaid)
        {
            Assert.Equal(["f0", "f1", "f2"], again);
            Assert.Equal(Errno.ENOENT, lookup); // a miss answered from the kept names
        }
        else
        {
            Assert.Equal(["f0", "f1", "f2", "late"], again);
            Assert.Equal(Errno.None, lookup);
        }
        // The names kept answer misses only: what is there is still walked.
        Assert.Equal(Errno.None, dir.Lookup(null!, "f1", out var f1));
        Assert.False(f1!.IsDir);
        Assert.Equal(Errno.ENOENT, dir.Lookup(null!, "none", out _));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AnOverlaidTreeHasADirectorysListingFromItsFirstMiss(bool overlaid)
    {
        using var h = new GoferHost(writable: false, populate: Populate);
        var dir = Dir(h, overlaid);
        Assert.Equal(Errno.ENOENT, dir.Lookup(null!, "absent", out _));

        File.WriteAllText(Path.Combine(h.Root, "dir", "late"), "y");
        Assert.Equal(overlaid ? Errno.ENOENT : Errno.None, dir.Lookup(null!, "late", out _));
        Assert.Equal(overlaid ? ["f0", "f1", "f2"] : ["f0", "f1", "f2", "late"], Names(dir));
        Assert.Equal(Errno.None, dir.Lookup(null!, "f2", out _));
    }

    [Fact]
    public void ListingsAreCopiesTheCallerMayChange()
    {
        using var h = new GoferHost(writable: false, populate: Populate);
        var dir = Dir(h, overlaid: true);
        var first = new List<DirEntry> { new("before", 1, 0) };
        Assert.Equal(Errno.None, dir.ReadDir(null!, first));
        Assert.Equal(4, first.Count);
        first.Clear();
        Assert.Equal(["f0", "f1", "f2"], Names(dir));
    }
}
