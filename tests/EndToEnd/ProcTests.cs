using Xunit;
using static AppKernel.Tests.EndToEnd.RunscHarness;

namespace AppKernel.Tests.EndToEnd;

/// <summary>/proc and /dev as real programs read them (ps, python, cat), and what the
/// syscall-tests cannot compare with a native run.</summary>
[Trait("Category", "EndToEnd")]
public class ProcTests : IClassFixture<TempDirFixture>
{
    readonly string _dir;
    public ProcTests(TempDirFixture tmp) => _dir = tmp.Dir;

    [Fact]
    public void DevTty_WithoutControllingTerminal_IsEnxio()
    {
        // Natively the answer depends on whether the test runner has a controlling terminal;
        // a sandboxed task never has one.
        var bin = CompileC(_dir, "devtty", """
            #define _GNU_SOURCE
            #include <errno.h>
            #include <fcntl.h>
            #include <stdio.h>
            #include <string.h>
            int main(void) {
                int fd = open("/dev/tty", O_RDWR);
                printf("%s\n", fd < 0 ? strerrorname_np(errno) : "opened");
                return 0;
            }
            """);
        var r = Sandboxed(bin);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("ENXIO\n", r.Stdout);
    }

    [Fact]
    public void BusyboxPs_ShowsTheSandboxedProcess()
    {
        var r = Sandboxed("/bin/busybox", "ps", "-o", "pid,ppid,user,stat,vsz,rss,comm,args");
        Assert.True(r.ExitCode == 0, r.ToString());
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        var f = lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("1", f[0]);            // pid
        Assert.Equal("0", f[1]);            // ppid
        Assert.Equal("root", f[2]);
        Assert.Equal("R", f[3]);
        Assert.NotEqual("0", f[4]);         // vsz from our memory manager
        Assert.Equal("busybox", f[6]);
        Assert.EndsWith("/bin/busybox ps -o pid,ppid,user,stat,vsz,rss,comm,args", lines[1]);
    }

    [Fact]
    public void Python_ReadsCmdlineAndCwd()
    {
        if (!File.Exists("/usr/bin/python3")) return;
        var r = Sandboxed(new[] { "/usr/bin/python3", "-c", "import os;print(os.getcwd(), open('/proc/self/cmdline').read().split(chr(0)))", "a b" },
            cwd: "/usr");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.StartsWith("/usr ['/usr/bin/python3', '-c', ", r.Stdout);
        Assert.EndsWith(", 'a b', '']\n", r.Stdout);
    }

    [Fact]
    public void Mountinfo_ListsTheSandboxMounts()
    {
        var r = Sandboxed("/bin/cat", "/proc/self/mountinfo");
        Assert.True(r.ExitCode == 0, r.ToString());
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var points = new List<string>();
        foreach (var l in lines)
        {
            var f = l.Split(' ');
            Assert.True(f.Length >= 10, l);
            Assert.Equal("-", f[6]);
            points.Add(f[4]);
        }
        Assert.Contains("/", points);
        Assert.Contains("/proc", points);
        Assert.Contains("/dev", points);
        Assert.Contains("/dev/shm", points);
        Assert.Contains(lines, l => l.Contains(" /proc rw,nosuid,nodev,noexec,relatime - proc proc rw"));
    }

    [Fact]
    public void ProcStatus_ComesFromTheSentry()
    {
        var r = Sandboxed("/bin/cat", "/proc/self/status");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("Name:\tcat\n", r.Stdout);
        Assert.Contains("Pid:\t1\n", r.Stdout);   // pid 1 of the sandbox, never the host's pid
        Assert.Contains("PPid:\t0\n", r.Stdout);
        Assert.Contains("Threads:\t1\n", r.Stdout);
    }
}
