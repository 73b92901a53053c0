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
    public void ShellChangesToEtcStayInside()
    {
        // The issue's own example: the guest changes /etc freely; the host's /etc is untouched.
        var hostname = File.Exists("/etc/hostname") ? File.ReadAllText("/etc/hostname") : null;
        var r = Sandboxed("/bin/busybox", "sh", "-c", "echo x > /etc/new; rm -f /etc/hostname; ls /etc/new; cat /etc/new; ls /etc/hostname 2>&1");
        Assert.Equal("/etc/new\nx\nls: /etc/hostname: No such file or directory\n", r.Stdout);
        Assert.False(File.Exists("/etc/new"));
        Assert.Equal(hostname, File.Exists("/etc/hostname") ? File.ReadAllText("/etc/hostname") : null);
    }

    [Fact]
    public void WritableRootfsReceivesTheChangesAndTheDefaultDoesNot()
    {
        var dir = Directory.CreateTempSubdirectory("appkernel-rootfs-");
        try
        {
            File.Copy("/bin/busybox", Path.Combine(dir.FullName, "busybox"));
            Directory.CreateDirectory(Path.Combine(dir.FullName, "etc"));
            File.WriteAllText(Path.Combine(dir.FullName, "etc", "hostname"), "host\n");
            var script = "echo x > /etc/new && echo changed > /etc/hostname && read -r l < /etc/new && echo $l";
            var r = Sandboxed(new[] { "/busybox", "sh", "-c", script }, new[] { "--rootfs", dir.FullName });
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Equal("x\n", r.Stdout);
            Assert.False(File.Exists(Path.Combine(dir.FullName, "etc", "new")));
            Assert.Equal("host\n", File.ReadAllText(Path.Combine(dir.FullName, "etc", "hostname")));

            r = Sandboxed(new[] { "/busybox", "sh", "-c", script }, new[] { "--rootfs", dir.FullName, "--rootfs-writable" });
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Equal("x\n", r.Stdout);
            Assert.Equal("x\n", File.ReadAllText(Path.Combine(dir.FullName, "etc", "new")));
            Assert.Equal("changed\n", File.ReadAllText(Path.Combine(dir.FullName, "etc", "hostname")));
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void SentryHoldsNoHostFdOfTheRoot()
    {
        // Every container file reaches the Sentry through the gofer: while a guest runs, runsc itself holds
        // no fd of a path inside the root except those the gofer donated for files the guest opened (here the
        // executable, which the loader opened and whose read-only fd is kept for the next open): no directory.
        var dir = Directory.CreateTempSubdirectory("appkernel-rootfs-");
        try
        {
            File.Copy("/bin/busybox", Path.Combine(dir.FullName, "busybox"));
            using var r = new WatchedRunsc("do", "--rootfs", dir.FullName, "/busybox", "sh", "-c", "echo ready; read x; echo bye");
            Assert.Equal("ready", r.ReadLine());
            WaitUntilGuestBlocks(r.Pid); // reading stdin
            var fds = Directory.GetFiles($"/proc/{r.Pid}/fd").Select(f => { try { return new FileInfo(f).LinkTarget ?? ""; } catch (IOException) { return ""; } }).ToList();
            r.Stdin.WriteLine("go");
            r.Stdin.Flush();
            Assert.Equal("bye", r.ReadLine());
            Assert.Equal((false, 0), r.WaitEnd());
            Assert.DoesNotContain(fds, t => t.StartsWith(dir.FullName) && t != Path.Combine(dir.FullName, "busybox"));
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void KeptReadOnlyFdsAreBounded()
    {
        // Read-only opens keep the donated fd for the next open of the same file, but only so many: after the
        // guest has read over a thousand files, runsc holds a bounded number of fds.
        using var r = new WatchedRunsc("do", "/bin/sh", "-c", "find /usr/share/perl5 /usr/lib/python3 -type f | head -1500 | xargs cat > /dev/null; echo read; read x");
        Assert.Equal("read", r.ReadLine(60_000));
        int fds = FdCount(r.Pid);
        r.Stdin.WriteLine("go");
        r.Stdin.Flush();
        Assert.Equal((false, 0), r.WaitEnd());
        Assert.InRange(fds, 1, 400);
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
