using System.Text.RegularExpressions;
using Xunit;
using static AppKernel.Tests.EndToEnd.RunscHarness;

namespace AppKernel.Tests.EndToEnd;

/// <summary>util-linux's ipcmk and ipcs inside the sandbox: the objects ipcmk makes are listed by ipcs (which reads
/// /proc/sysvipc), and none of them is the host's. Never run natively: that would leave objects on the host.</summary>
[Trait("Category", "EndToEnd")]
public class SysvIpcTests
{
    [Fact]
    public void IpcmkThenIpcsListsEachKind()
    {
        var r = Sandboxed("/bin/sh", "-c",
            "ipcmk -M 4096 && ipcs -m && ipcmk -S 3 && ipcs -s && ipcmk -Q && ipcs -q && ipcmk -M 100 -p 0600 && ipcs -m");
        Assert.True(r.ExitCode == 0, r.ToString());
        // A fresh namespace numbers its first object of each kind 0, as Linux does.
        Assert.Contains("Shared memory id: 0", r.Stdout);
        Assert.Contains("Semaphore id: 0", r.Stdout);
        Assert.Contains("Message queue id: 0", r.Stdout);
        Assert.Matches(new Regex(@"0x[0-9a-f]{8} 0\s+root\s+644\s+4096\s+0\s", RegexOptions.Multiline), r.Stdout);
        Assert.Matches(new Regex(@"0x[0-9a-f]{8} 1\s+root\s+600\s+100\s+0\s", RegexOptions.Multiline), r.Stdout);
        Assert.Matches(new Regex(@"0x[0-9a-f]{8} 0\s+root\s+644\s+3\s*$", RegexOptions.Multiline), r.Stdout);
        Assert.Matches(new Regex(@"0x[0-9a-f]{8} 0\s+root\s+644\s+0\s+0\s*$", RegexOptions.Multiline), r.Stdout);
    }

    [Fact]
    public void IpcsLimitsAreLinuxDefaults()
    {
        var r = Sandboxed("/usr/bin/ipcs", "-l");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("max number of segments = 4096", r.Stdout);
        Assert.Contains("max semaphores per array = 32000", r.Stdout);
        Assert.Contains("max ops per semop call = 500", r.Stdout);
        Assert.Contains("max size of message (bytes) = 8192", r.Stdout);
        Assert.Contains("default max size of queue (bytes) = 16384", r.Stdout);
    }

    /// <summary>The sandbox's own limits: root may change them (the host's stay as they are), others may not.</summary>
    [Fact]
    public void SysctlsAreWritableByRootInTheSandbox()
    {
        var r = Sandboxed("/bin/sh", "-c",
            "printf '250 32000 32 128' > /proc/sys/kernel/sem && echo 100 > /proc/sys/kernel/msgmax && cat /proc/sys/kernel/sem /proc/sys/kernel/msgmax; " +
            "echo 40000 > /proc/sys/kernel/shmmni 2>/dev/null || echo refused; " +
            "ipcs -l | grep -E 'ops per semop|max size of message'; " +
            "su nobody -s /bin/sh -c 'echo 5 > /proc/sys/kernel/msgmax' 2>/dev/null || echo denied");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("250\t32000\t32\t128\n100\nrefused\nmax size of message (bytes) = 100\nmax ops per semop call = 32\ndenied\n", r.Stdout);
        Assert.Equal("32000\t1024000000\t500\t32000", File.ReadAllText("/proc/sys/kernel/sem").Trim());
    }

    [Fact]
    public void IpcrmRemovesWhatIpcmkMade()
    {
        var r = Sandboxed("/bin/sh", "-c", "id=$(ipcmk -Q | sed 's/.*: //'); ipcrm -q $id && ipcs -q | grep -c 0x || true");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("0\n", r.Stdout);
    }
}
