using Xunit;
using static AppKernel.Tests.EndToEnd.RunscHarness;

namespace AppKernel.Tests.EndToEnd;

/// <summary>
/// Attempts to reach host files outside --rootfs. Each rootfs holds a static busybox; a "secret" file
/// sits beside the rootfs on the host, and the guest must never print it.
/// </summary>
public sealed class EscapeTests : IDisposable
{
    const string Secret = "HOST-SECRET-7f3a";
    readonly DirectoryInfo _base = Directory.CreateTempSubdirectory("appkernel-escape-");
    readonly string _root, _secretPath;

    public EscapeTests()
    {
        _root = Path.Combine(_base.FullName, "root");
        Directory.CreateDirectory(Path.Combine(_root, "bin"));
        Directory.CreateDirectory(Path.Combine(_root, "data"));
        File.Copy("/bin/busybox", Path.Combine(_root, "bin", "busybox"));
        File.WriteAllText(Path.Combine(_root, "data", "inside"), "inside\n");
        _secretPath = Path.Combine(_base.FullName, "secret");
        File.WriteAllText(_secretPath, Secret + "\n");
    }

    public void Dispose() => _base.Delete(true);

    ProcResult Guest(params string[] argv) => Sandboxed(argv, new[] { "--rootfs", _root });

    [Fact]
    public void AbsoluteSymlinkToHostFileResolvesInsideTheRoot()
    {
        File.CreateSymbolicLink(Path.Combine(_root, "data", "link"), _secretPath);
        var r = Guest("/bin/busybox", "cat", "/data/link");
        Assert.DoesNotContain(Secret, r.Stdout + r.Stderr);
        Assert.NotEqual(0, r.ExitCode); // the same path inside the root does not exist
    }

    [Fact]
    public void DotDotWalksStopAtTheRoot()
    {
        File.CreateSymbolicLink(Path.Combine(_root, "data", "up"), "../../../../../../../../secret");
        var rel = "../../../../../../../../" + Path.GetRelativePath("/", _secretPath);
        var r = Guest("/bin/busybox", "cat", "/data/up", "/" + rel, "/data/" + rel);
        Assert.DoesNotContain(Secret, r.Stdout + r.Stderr);
        // "/.." is "/": the guest sees its own root's listing (with the mount points the sandbox made, as runc).
        var ls = Guest("/bin/busybox", "ls", "/../../..");
        Assert.Equal("bin\ndata\ndev\nproc\nsys\n", ls.Stdout);
    }

    [Fact]
    public void GuestCannotLinkOrWriteOutside()
    {
        var r = Guest("/bin/busybox", "sh", "-c",
            "ln /../secret /data/l 2>/dev/null; ln -s /../secret /data/s; echo changed > /data/s; echo changed > /../secret; read -r x < /data/s; echo \"$x\"");
        Assert.DoesNotContain(Secret, r.Stdout + r.Stderr);
        Assert.Equal(Secret + "\n", File.ReadAllText(_secretPath));
        Assert.False(File.Exists(Path.Combine(_root, "data", "l")));
        Assert.False(File.Exists(Path.Combine(_root, "data", "s")) || Directory.Exists(Path.Combine(_root, "data", "s")));
    }

    [Fact]
    public void SymlinkSwappedDuringWalksNeverLeadsOutside()
    {
        // The host flips /data/x between a file inside and a symlink to the secret while the guest reads it.
        var x = Path.Combine(_root, "data", "x");
        var asFile = Path.Combine(_root, "data", "x.file");
        var asLink = Path.Combine(_root, "data", "x.link");
        File.WriteAllText(x, "inside\n");
        using var stop = new CancellationTokenSource();
        var flipper = System.Threading.Tasks.Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                File.WriteAllText(asFile, "inside\n");
                File.Move(asFile, x, true);
                if (File.Exists(asLink) || Directory.Exists(asLink)) File.Delete(asLink);
                File.CreateSymbolicLink(asLink, _secretPath);
                File.Move(asLink, x, true);
            }
        });
        try
        {
            var r = Guest("/bin/busybox", "sh", "-c",
                "i=0; while [ $i -lt 3000 ]; do read -r l < /data/x 2>/dev/null && echo \"$l\"; i=$((i+1)); done");
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.DoesNotContain(Secret, r.Stdout + r.Stderr);
        }
        finally
        {
            stop.Cancel();
            flipper.Wait();
        }
    }

    [Fact]
    public void FifoInTheRootIsNeverTheHostFifo()
    {
        var fifo = Path.Combine(_root, "data", "fifo");
        Assert.Equal(0, Native("/usr/bin/mkfifo", fifo).ExitCode);
        // Inside, the FIFO works as a FIFO of the sandbox (O_RDWR never blocks); the host's FIFO is untouched.
        var r = Guest("/bin/busybox", "sh", "-c", "exec 3<>/data/fifo; echo through >&3; read -r l <&3; echo \"$l\"");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("through\n", r.Stdout);
    }

    [Fact]
    public void DeviceNodeInTheRootIsNotOpened()
    {
        // A char device the host would happily serve (/dev/zero, 1:5).
        var dev = Path.Combine(_root, "data", "zero");
        Assert.Equal(0, Native("/usr/bin/mknod", dev, "c", "1", "5").ExitCode);
        var r = Guest("/bin/busybox", "head", "-c", "4", "/data/zero");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Equal("", r.Stdout);
        Assert.Contains("Permission denied", r.Stderr);
    }
}
