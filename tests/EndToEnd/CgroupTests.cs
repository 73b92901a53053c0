using Xunit;
using static AppKernel.Tests.EndToEnd.RunscHarness;

namespace AppKernel.Tests.EndToEnd;

/// <summary>The sandbox's cgroup2 hierarchy where a differential case cannot look: the host's hierarchy is the
/// machine's (and may have its controllers bound to cgroup v1), so the pre-mounted /sys/fs/cgroup and the
/// controllers (pids.max refusing a fork, memory and cpu settings) are checked in the sandbox alone.</summary>
[Trait("Category", "EndToEnd")]
public class CgroupTests
{
    const string Script = """
        cd /sys/fs/cgroup
        stat -f -c %T .
        cat /proc/self/cgroup
        cat cgroup.controllers
        echo +pids +memory +cpu > cgroup.subtree_control
        mkdir lim
        ls lim | grep -E '^(pids|memory|cpu)\.' | tr '\n' ' '; echo
        echo 1 > lim/pids.max
        sh -c 'echo $$ > /sys/fs/cgroup/lim/cgroup.procs; /bin/true' 2>&1 | grep -c 'Cannot fork'
        cat lim/pids.current lim/pids.peak lim/pids.events lim/pids.events.local
        echo 1G > lim/memory.max; cat lim/memory.max
        echo 5000 > lim/memory.high; cat lim/memory.high
        echo 100xyz > lim/memory.max 2>/dev/null || echo memory.max 100xyz refused
        cat lim/cpu.max lim/cpu.weight
        echo '50000 100000' > lim/cpu.max; cat lim/cpu.max
        echo 0 > lim/cpu.weight 2>/dev/null || echo cpu.weight 0 refused
        grep -c usage_usec lim/cpu.stat
        echo -pids > cgroup.subtree_control; ls lim | grep -c '^pids\.'
        rmdir lim && echo removed
        """;

    const string Expected = """
        cgroup2fs
        0::/
        cpu memory pids
        cpu.max cpu.stat cpu.weight memory.current memory.events memory.high memory.low memory.max memory.min pids.current pids.events pids.events.local pids.max pids.peak 
        1
        0
        1
        max 1
        max 1
        1073741824
        4096
        memory.max 100xyz refused
        max 100000
        100
        50000 100000
        cpu.weight 0 refused
        1
        0
        removed

        """;

    [Fact]
    public void SysFsCgroupAndControllers()
    {
        var r = Sandboxed("/bin/sh", "-c", Script);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(Expected, r.Stdout);
    }
}
