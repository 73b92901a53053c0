using Xunit;
using static AppKernel.Tests.EndToEnd.RunscHarness;

namespace AppKernel.Tests.EndToEnd;

/// <summary>The root is a read-only view of the host; /tmp is a tmpfs in Sentry memory.</summary>
[Trait("Category", "EndToEnd")]
public class FileSystemTests
{
    [Fact]
    public void TmpIsWritableInsideButNeverReachesTheHost()
    {
        string name = "/tmp/appkernel-e2e-" + Guid.NewGuid().ToString("N");
        // Only shell builtins and python: fork arrives with the processes issue.
        var r = Sandboxed("/usr/bin/python3", "-c",
            $"import os; open('{name}','w').write('data'); os.mkdir('{name}.d'); open('{name}.d/f','a').write('more'); " +
            $"print(open('{name}').read(), open('{name}.d/f').read()); print(*os.listdir('{name}.d'))");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("data more\nf\n", r.Stdout);
        Assert.False(File.Exists(name), "a sandbox write reached the host's /tmp");
        Assert.False(Directory.Exists(name + ".d"), "a sandbox mkdir reached the host's /tmp");
    }

    [Fact]
    public void RootChangesStayInTheSandbox()
    {
        // The default root is an overlay: the guest may create, change and remove anything, the host sees nothing.
        var hostname = File.Exists("/etc/hostname") ? File.ReadAllText("/etc/hostname") : null;
        var r = Sandboxed("/usr/bin/python3", "-c",
            "import os\n" +
            "open('/etc/appkernel-e2e-new','w').write('x')\n" +
            "open('/etc/hostname','a').write('changed')\n" +
            "os.remove('/etc/hostname')\n" +
            "os.rename('/usr/share/doc', '/usr/share/doc2')\n" +
            "print(open('/etc/appkernel-e2e-new').read(), os.path.exists('/etc/hostname'), os.path.isdir('/usr/share/doc2'), os.path.exists('/usr/share/doc'))");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("x False True False\n", r.Stdout);
        Assert.False(File.Exists("/etc/appkernel-e2e-new"));
        Assert.Equal(hostname, File.Exists("/etc/hostname") ? File.ReadAllText("/etc/hostname") : null);
        Assert.True(Directory.Exists("/usr/share/doc"));
        Assert.False(Directory.Exists("/usr/share/doc2"));
    }

    [Fact]
    public void SymlinkOutOfRootfsStaysInside()
    {
        // A rootfs whose symlink points at an absolute host path resolves inside the rootfs.
        var dir = Directory.CreateTempSubdirectory("appkernel-rootfs-");
        try
        {
            Directory.CreateDirectory(Path.Combine(dir.FullName, "bin"));
            File.Copy("/bin/busybox", Path.Combine(dir.FullName, "bin", "busybox"));
            Directory.CreateDirectory(Path.Combine(dir.FullName, "etc"));
            File.WriteAllText(Path.Combine(dir.FullName, "etc", "hostname"), "inside\n");
            File.CreateSymbolicLink(Path.Combine(dir.FullName, "escape"), "/etc/hostname");
            File.CreateSymbolicLink(Path.Combine(dir.FullName, "dotdot"), "../../../../../../etc/hostname");
            var r = Sandboxed(new[] { "/bin/busybox", "cat", "/escape", "/dotdot" }, new[] { "--rootfs", dir.FullName });
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Equal("inside\ninside\n", r.Stdout);
        }
        finally { dir.Delete(true); }
    }
}
