using System.Runtime.CompilerServices;
using AppKernel.Gofer;
using AppKernel.Sentry.FileSystems.Gofer;
using AppKernel.Sentry.FileSystems.Tmpfs;
using AppKernel.Sentry.Vfs;
using AppKernel.Tests.Gofer;
using Xunit;

namespace AppKernel.Tests.Vfs;

/// <summary>
/// Bounded entry caches: the overlay and a writable gofer tree keep at most the cache's capacity of unused
/// entries (and the gofer as many fids); what they drop is walked again when needed and is the same file;
/// entries in use or with state of their own are never dropped.
/// </summary>
public sealed class EntryCacheTests
{
    const int Cap = 32;
    const int Files = 400;
    // Fids besides the cached entries: the root, and the ones a test holds on purpose.
    const int Slack = 8;

    static void Populate(string root)
    {
        Directory.CreateDirectory(Path.Combine(root, "d"));
        for (int i = 0; i < Files; i++) File.WriteAllText(Path.Combine(root, "d", $"f{i}"), $"content {i}\n");
        Directory.CreateDirectory(Path.Combine(root, "a", "b"));
        File.WriteAllText(Path.Combine(root, "a", "b", "deep"), "deep\n");
    }

    static Inode Look(Inode dir, string name)
    {
        Assert.Equal(Errno.None, dir.Lookup(null!, name, out var child));
        return child!;
    }

    static Inode At(Inode root, string path)
    {
        foreach (var n in path.Split('/')) root = Look(root, n);
        return root;
    }

    static ulong Ino(Inode i)
    {
        Assert.Equal(Errno.None, i.Stat(out var st));
        return st.Ino;
    }

    static string Read(Inode file)
    {
        Assert.Equal(Errno.None, file.Open(null!, default, OpenFlags.O_RDONLY, out var fd));
        var buf = new byte[256];
        long n = fd!.ReadAt(null!, buf, 0);
        fd.DecRef();
        Assert.True(n >= 0);
        return System.Text.Encoding.UTF8.GetString(buf, 0, (int)n);
    }

    // Looks every file of d up (one may have been removed) and lets go of them (in a method of its own, so no
    // local keeps one alive).
    [MethodImpl(MethodImplOptions.NoInlining)]
    static void WalkAll(Inode root)
    {
        var d = Look(root, "d");
        for (int i = 0; i < Files; i++) d.Lookup(null!, $"f{i}", out _);
    }

    static (GoferHost Host, Inode Lower) Gofer(bool writable)
    {
        var h = new GoferHost(writable: writable, populate: Populate);
        Assert.Equal(Errno.None, GoferFs.Attach(h.C, writable, overlaid: !writable, out var root, cacheCapacity: Cap));
        return (h, root!);
    }

    [Fact]
    public void Overlay_KeepsAtMostTheCapacityOfUnusedLowerEntriesAndFids()
    {
        var (h, lower) = Gofer(writable: false);
        using var host = h;
        var overlay = TmpfsFs.Overlay(lower);
        WalkAll(overlay);
        lower.Entries!.Reclaim();
        Assert.Equal(Cap, lower.Entries.Held);
        Assert.True(h.Server.LiveFids <= Cap + Slack, $"{h.Server.LiveFids} fids live after walking {Files} entries with a cache of {Cap}");
    }

    [Fact]
    public void Overlay_DroppedEntriesResolveAgainToTheSameFile()
    {
        var (h, lower) = Gofer(writable: false);
        using var host = h;
        var overlay = TmpfsFs.Overlay(lower);
        var before = new ulong[Files];
        var d = Look(overlay, "d");
        for (int i = 0; i < Files; i++) before[i] = Ino(Look(d, $"f{i}"));
        Assert.Equal(Errno.None, overlay.Stat(out var rootSt));
        WalkAll(overlay);
        lower.Entries!.Reclaim();
        for (int i = 0; i < Files; i += 37)
        {
            var f = Look(d, $"f{i}");
            Assert.Equal(Errno.None, f.Stat(out var st));
            Assert.Equal(before[i], st.Ino);
            Assert.Equal(rootSt.Dev, st.Dev);
            Assert.Equal(HostFs.Lstat(h.P($"d/f{i}")).Ino, st.Ino);
            Assert.Equal($"content {i}\n", Read(f));
        }
    }

    [Fact]
    public void Overlay_AnEntryInUseStaysTheSameObject()
    {
        var (h, lower) = Gofer(writable: false);
        using var host = h;
        var overlay = TmpfsFs.Overlay(lower);
        var held = At(overlay, "d/f7");
        var heldDir = At(overlay, "a/b");
        WalkAll(overlay);
        lower.Entries!.Reclaim();
        lower.Entries.Reclaim();
        Assert.Same(held, At(overlay, "d/f7"));
        Assert.Same(heldDir, At(overlay, "a/b"));
        GC.KeepAlive(held);
        GC.KeepAlive(heldDir);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static void ChangeDeepFiles(Inode overlay)
    {
        Assert.Equal(Errno.None, At(overlay, "a/b/deep").SetMode(0x180));
        Assert.Equal(Errno.None, At(overlay, "d/f3").SetXattr("user.k", new byte[] { 1, 2 }, 0));
        Assert.Equal(Errno.None, Look(overlay, "d").Unlink(null!, "f4", false));
    }

    [Fact]
    public void Overlay_ChangedEntriesAndTheirDirectoriesAreNeverDropped()
    {
        var (h, lower) = Gofer(writable: false);
        using var host = h;
        var overlay = TmpfsFs.Overlay(lower);
        ChangeDeepFiles(overlay);
        WalkAll(overlay);
        for (int round = 0; round < 2; round++)
        {
            lower.Entries!.Reclaim();
            for (int i = 0; i < 3 * Cap; i++) Look(Look(overlay, "d"), $"f{100 + i}"); // push everything out of the recent set
        }
        lower.Entries!.Reclaim();
        var deep = At(overlay, "a/b/deep");
        Assert.Equal(Errno.None, deep.Stat(out var st));
        Assert.Equal(0x180u, st.Mode & 0xfff);
        Assert.True(((TmpfsNode)deep).IsAnchored);
        Assert.True(((TmpfsNode)At(overlay, "a/b")).IsAnchored); // unchanged, but a changed entry hangs below
        Assert.Equal(Errno.None, At(overlay, "d/f3").GetXattr("user.k", out var v));
        Assert.Equal(new byte[] { 1, 2 }, v);
        Assert.Equal(Errno.ENOENT, Look(overlay, "d").Lookup(null!, "f4", out _));
        Assert.True(File.Exists(h.P("d/f4"))); // the host is never written
    }

    [Fact]
    public void Writable_KeepsAtMostTheCapacityOfUnusedNodes_AndSeesHostRemovalsOfDroppedOnes()
    {
        var (h, root) = Gofer(writable: true);
        using var host = h;
        var held = At(root, "d/f1");
        WalkAll(root);
        root.Entries!.Reclaim();
        Assert.True(h.Server.LiveFids <= Cap + Slack, $"{h.Server.LiveFids} fids live after walking {Files} entries with a cache of {Cap}");
        Assert.Same(held, At(root, "d/f1"));
        // f0 was dropped: the next lookup walks the host again, which no longer has it.
        File.Delete(h.P("d/f0"));
        Assert.Equal(Errno.ENOENT, Look(root, "d").Lookup(null!, "f0", out _));
        var f9 = At(root, "d/f9");
        Assert.Equal(HostFs.Lstat(h.P("d/f9")).Ino, Ino(f9));
        Assert.Equal("content 9\n", Read(f9));
        GC.KeepAlive(held);
    }

    [Fact]
    public void Writable_ADroppedNodeRenamedInTheSandboxIsFoundUnderItsNewName()
    {
        var (h, root) = Gofer(writable: true);
        using var host = h;
        ulong ino = HostFs.Lstat(h.P("d/f5")).Ino;
        WalkAll(root);
        root.Entries!.Reclaim();
        var d = Look(root, "d");
        Assert.Equal(Errno.None, d.Rename(null!, "f5", d, "g5", 0));
        Assert.Equal(Errno.ENOENT, d.Lookup(null!, "f5", out _));
        Assert.Equal(ino, Ino(Look(d, "g5")));
        Assert.Equal("content 5\n", Read(Look(d, "g5")));
    }
}
