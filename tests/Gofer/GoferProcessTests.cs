using System.Text;
using AppKernel.Gofer;
using AppKernel.Platform.Native;
using AppKernel.Tests.EndToEnd;
using Xunit;
using static Tmds.Linux.LibC;

namespace AppKernel.Tests.Gofer;

/// <summary>`runsc gofer` as a real child process (out/runsc), started by <see cref="GoferProcess"/>.</summary>
public sealed unsafe class GoferProcessTests : IDisposable
{
    readonly string _root = Directory.CreateTempSubdirectory("gofer-proc-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); }
        catch (IOException) { }
    }

    /// <summary>Waits up to 10 s for the child and returns its wait status.</summary>
    static int Reap(int pid)
    {
        int status = 0;
        for (int i = 0; i < 1000; i++)
        {
            int r = Host.waitpid(pid, &status, 1 /* WNOHANG */);
            if (r == pid) return status;
            Assert.True(r == 0, $"waitpid: errno {Host.Errno}");
            Thread.Sleep(10);
        }
        kill(pid, 9);
        Host.waitpid(pid, &status, 0);
        Assert.Fail("the gofer did not exit after its client closed");
        return status;
    }

    [Fact]
    public void ServesTheRoot_AndExitsWhenTheClientCloses()
    {
        File.WriteAllText(Path.Combine(_root, "hello.txt"), "from the host");
        int pid = GoferProcess.Start(RunscHarness.RunscPath, _root, writable: true, out var client);
        try
        {
            Assert.True(pid > 0);
            Assert.Equal(Errno.None, client.Attach(out ulong root, out var st));
            Assert.Equal(0x4000u, st.Mode & 0xF000);
            var walked = new List<(ulong Fid, GoferStat Stat)>();
            Assert.Equal(Errno.None, client.Walk(root, new[] { "hello.txt" }, walked));
            Assert.Equal(Errno.None, client.Open(walked[0].Fid, 0, out int fd));
            Assert.Equal("from the host", Encoding.UTF8.GetString(HostFs.ReadFd(fd)));
            close(fd);
            Assert.Equal(Errno.None, client.Create(root, "made.txt", 1, 0x1A4, 0, 0, out _, out _, out fd));
            HostFs.WriteFd(fd, "by the sandbox"u8.ToArray());
            close(fd);
            Assert.Equal("by the sandbox", File.ReadAllText(Path.Combine(_root, "made.txt")));
        }
        finally
        {
            client.Dispose();
        }
        int status = Reap(pid);
        Assert.True((status & 0x7f) == 0, $"killed by signal {status & 0x7f}");
        Assert.Equal(0, (status >> 8) & 0xff);
    }

    [Fact]
    public void ReadOnlyGofer_RefusesChanges()
    {
        int pid = GoferProcess.Start(RunscHarness.RunscPath, _root, writable: false, out var client);
        try
        {
            Assert.Equal(Errno.None, client.Attach(out ulong root, out _));
            Assert.Equal(Errno.EROFS, client.Mkdir(root, "d", 0x1ED, 0, 0, out _, out _));
            Assert.False(Directory.Exists(Path.Combine(_root, "d")));
        }
        finally
        {
            client.Dispose();
        }
        Assert.Equal(0, (Reap(pid) >> 8) & 0xff);
    }

    [Fact]
    public void MissingRoot_GoferExits_ClientSeesEio()
    {
        int pid = GoferProcess.Start(RunscHarness.RunscPath, Path.Combine(_root, "does-not-exist"), writable: false, out var client);
        using (client)
        {
            Assert.Equal(Errno.EIO, client.Attach(out _, out _));
            Assert.True(client.IsDead);
        }
        Assert.Equal(1, (Reap(pid) >> 8) & 0xff);
    }
}
