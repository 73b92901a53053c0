using Xunit;
using static AppKernel.Tests.EndToEnd.RunscHarness;

namespace AppKernel.Tests.EndToEnd;

/// <summary>
/// Servers with their clients inside one sandbox (tests/EndToEnd/net/): python's http.server and urllib, an asyncio
/// echo server, busybox httpd and wget, redis-server and redis-cli, a Unix-socket server passing fds. Each prints
/// what it prints natively, where it runs in a fresh network namespace with only lo up (the sandbox's own view).
/// </summary>
[Trait("Category", "EndToEnd")]
public class NetworkProgramsTests
{
    public static TheoryData<string, string> Programs => new()
    {
        { "/usr/bin/python3", "http_server.py" },
        { "/usr/bin/python3", "asyncio_echo.py" },
        { "/usr/bin/python3", "unix_fds.py" },
        { "/bin/sh", "busybox_httpd.sh" },
        { "/bin/sh", "redis.sh" },
    };

    static string Script(string name) => Path.Combine(RepoRoot, "tests", "EndToEnd", "net", name);

    [Theory]
    [MemberData(nameof(Programs))]
    public void MatchesNative(string interpreter, string script)
    {
        if (script == "redis.sh") Assert.True(File.Exists("/usr/bin/redis-server"), "apt-get install redis-server redis-tools");
        var native = Run("unshare", ["-n", "/bin/sh", "-c", $"ip link set lo up && exec {interpreter} {Script(script)}"]);
        Assert.True(native.ExitCode == 0 && native.Stdout.Length > 0, $"native run failed: {native}");
        var boxed = Sandboxed(interpreter, Script(script));
        Assert.True(native.Stdout == boxed.Stdout && native.ExitCode == boxed.ExitCode,
            $"{script} differs\n=== native ===\n{native}\n=== runsc ===\n{boxed}");
    }
}
