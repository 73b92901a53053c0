using Xunit;
using static AppKernel.Tests.EndToEnd.RunscHarness;

namespace AppKernel.Tests.EndToEnd;

/// <summary>
/// iproute2 and glibc's netlink users in the sandbox print what they print natively in a fresh network namespace
/// with lo up (`unshare -n`), which is the network the sandbox shows.
/// </summary>
[Trait("Category", "EndToEnd")]
public class NetlinkTests
{
    public static TheoryData<string> Commands => new()
    {
        "ip addr",
        "ip link",
        "ip route",
        "ip route show table local",
        "ip route show table all",
        "ip -6 route show table local",
        "ip -4 addr show dev lo",
        "ip -d link show lo",
        "ip -s link",
        "ip rule",
        "ip neigh",
        "ip maddr",
        "ip addrlabel",
        "ip -br a; ip -o addr; ip -j addr",
        "hostname -I",
        "ip route get 127.0.0.1",
        "ip route get 127.1.2.3",
        "ip route get ::1",
        "ip route get 8.8.8.8",
        "python3 -c 'import socket; print(socket.if_nameindex())'",
        "cat /proc/net/dev /proc/net/if_inet6 /proc/net/route",
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public void MatchesAFreshNetworkNamespace(string command) => Compare(command);

    /// <summary>An AF_INET6 link dump carries no IFLA_TXQLEN: iproute2 asks SIOCGIFTXQLEN on an AF_INET socket.</summary>
    [Fact]
    public void Ip6Addr_MatchesOnceInetSocketsExist()
    {
        var inet = Sandboxed("/usr/bin/python3", "-c", "import socket; socket.socket()");
        if (inet.ExitCode != 0) return; // no AF_INET provider in this build
        Compare("ip -6 addr");
    }

    static void Compare(string command)
    {
        if (!File.Exists("/usr/sbin/ip")) return; // iproute2 is not installed: nothing to compare
        string script = $"{command}; echo status $?";
        var native = Native("/usr/bin/unshare", "-n", "/bin/sh", "-c", $"ip link set lo up || exit 99; {script}");
        Assert.True(native.ExitCode == 0, $"native run failed (needs root for unshare -n): {native}");
        var sandboxed = Sandboxed("/bin/sh", "-c", script);
        Assert.Equal(native.ExitCode, sandboxed.ExitCode);
        Assert.Equal(native.Stdout, sandboxed.Stdout);
        Assert.Equal(native.Stderr, sandboxed.Stderr);
    }
}
