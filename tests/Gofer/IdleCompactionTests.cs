using System.Diagnostics;
using AppKernel.Gofer;
using Xunit;

namespace AppKernel.Tests.Gofer;

/// <summary>The gofer gives back the memory of released fids once its client goes quiet after a walk, not only
/// after tens of thousands of releases (the tree-walk benchmark left the gofer at 2.6x its idle size).</summary>
public sealed class IdleCompactionTests
{
    static void WalkAndClunk(GoferHost h, int n)
    {
        var fids = new List<ulong>();
        for (int i = 0; i < n; i++) fids.Add(h.Walk("f"));
        Assert.Equal(0, h.Server.Compactions); // busy: no collection between requests
        foreach (var f in fids) h.C.Clunk(f);
        Assert.Equal(Errno.None, h.C.Stat(h.RootFid, out _)); // sends the queued clunks
    }

    [Fact]
    public void ManyReleasesThenQuiet_Compacts()
    {
        using var h = new GoferHost(populate: r => File.WriteAllText(Path.Combine(r, "f"), "x"));
        WalkAndClunk(h, 1500);
        var sw = Stopwatch.StartNew();
        while (h.Server.Compactions == 0 && sw.ElapsedMilliseconds < 10_000) Thread.Sleep(20);
        Assert.Equal(1, h.Server.Compactions);
        Thread.Sleep(1500); // once per quiet spell, not every second
        Assert.Equal(1, h.Server.Compactions);
        Assert.Equal(1, h.Server.LiveFids);
    }

    [Fact]
    public void FewReleases_NoCollection()
    {
        using var h = new GoferHost(populate: r => File.WriteAllText(Path.Combine(r, "f"), "x"));
        WalkAndClunk(h, 100);
        Thread.Sleep(2000);
        Assert.Equal(0, h.Server.Compactions);
    }
}
