using AppKernel.Gofer;
using Xunit;

namespace AppKernel.Tests.Gofer;

/// <summary>A read-only tree larger than the gofer's fd budget: walked nodes are closed and reopened on use.</summary>
public sealed class FdBudgetTests
{
    static void Populate(string root)
    {
        Directory.CreateDirectory(Path.Combine(root, "d"));
        for (int i = 0; i < 200; i++) File.WriteAllText(Path.Combine(root, "d", $"f{i}"), $"content {i}\n");
    }

    static int OpenFds() => Directory.GetFiles("/proc/self/fd").Length;

    [Fact]
    public void WalkedNodesBeyondTheBudgetStillWork()
    {
        using var h = new GoferHost(writable: false, populate: Populate, fdBudget: 16);
        var w = new List<(ulong Fid, GoferStat Stat)>();
        Assert.Equal(Errno.None, h.C.Walk(h.RootFid, new[] { "d" }, w));
        ulong dir = w[0].Fid;
        var fids = new List<(ulong Fid, GoferStat Stat)>();
        int before = OpenFds();
        for (int i = 0; i < 200; i++)
        {
            w.Clear();
            Assert.Equal(Errno.None, h.C.Walk(dir, new[] { $"f{i}" }, w));
            fids.Add(w[0]);
        }
        // The server keeps at most the budget of walked fds open (plus what a request holds).
        Assert.True(OpenFds() - before < 40, $"{OpenFds() - before} fds opened for 200 walked nodes");
        // Every fid still works, reopened from its parent, and is the same file.
        for (int i = 0; i < 200; i++)
        {
            Assert.Equal(Errno.None, h.C.Stat(fids[i].Fid, out var st));
            Assert.Equal(fids[i].Stat.Ino, st.Ino);
            Assert.Equal(Errno.None, h.C.Open(fids[i].Fid, 0, out int fd));
            using var f = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, true), FileAccess.Read);
            Assert.Equal($"content {i}\n", new StreamReader(f).ReadToEnd());
        }
    }

    [Fact]
    public void AReplacedFileIsNotReopenedUnderTheOldFid()
    {
        using var h = new GoferHost(writable: false, populate: Populate, fdBudget: 1);
        var w = new List<(ulong Fid, GoferStat Stat)>();
        Assert.Equal(Errno.None, h.C.Walk(h.RootFid, new[] { "d", "f1" }, w));
        ulong f1 = w[1].Fid;
        // Push f1's fd out, then replace the file behind its name.
        for (int i = 2; i < 10; i++) Assert.Equal(Errno.None, h.C.Walk(w[0].Fid, new[] { $"f{i}" }, new()));
        h.C.Stat(w[0].Fid, out _);
        // Made while f1 still exists, so it cannot reuse f1's inode number.
        File.WriteAllText(h.P("d/impostor"), "impostor\n");
        File.Move(h.P("d/impostor"), h.P("d/f1"), true);
        Assert.NotEqual(Errno.None, h.C.Open(f1, 0, out _));
    }
}
