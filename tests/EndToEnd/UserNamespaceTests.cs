using Xunit;
using static AppKernel.Tests.EndToEnd.RunscHarness;

namespace AppKernel.Tests.EndToEnd;

/// <summary>util-linux's unshare with a user namespace (`unshare -r`: map the caller to root, then act as root in
/// namespaces it owns), as root and as an unprivileged user (setpriv), natively and under `runsc do`: stdout,
/// stderr and exit status must match. Everything happens in namespaces that end with the command.</summary>
[Trait("Category", "EndToEnd")]
public class UserNamespaceTests
{
    const string Unshare = "/usr/bin/unshare", Setpriv = "/usr/bin/setpriv";

    static readonly string[] AsUser1000 = { Setpriv, "--reuid", "1000", "--regid", "1000", "--clear-groups" };

    public static TheoryData<string[]> Commands => new()
    {
        new[] { Unshare, "-Ur", "id" },
        new[] { Unshare, "-Urm", "sh", "-c", "mount -t tmpfs none /mnt && echo ok" },
        new[] { Unshare, "-Ur", "sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups" },
        AsUser1000.Concat(new[] { Unshare, "-Ur", "id" }).ToArray(),
        AsUser1000.Concat(new[] { Unshare, "-Urm", "sh", "-c", "mount -t tmpfs none /mnt && touch /mnt/f && stat -c '%u %g %a' /mnt/f && echo ok" }).ToArray(),
        AsUser1000.Concat(new[] { Unshare, "-Ur", "sh", "-c", "cat /proc/self/uid_map /proc/self/setgroups; grep -E '^(Uid|Gid|CapEff)' /proc/self/status" }).ToArray(),
        // Without a user namespace an unprivileged user may not make a mount namespace or mount.
        AsUser1000.Concat(new[] { Unshare, "-m", "true" }).ToArray(),
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public void UnshareMatchesNative(string[] argv)
    {
        if (!File.Exists(Unshare) || !File.Exists(Setpriv)) return; // util-linux is not installed: nothing to compare
        var native = Native(argv);
        Assert.True(native.Stdout.Length + native.Stderr.Length > 0, $"native run printed nothing: {native}");
        var boxed = Sandboxed(argv);
        Assert.True(native.Stdout == boxed.Stdout,
            $"stdout differs for {string.Join(' ', argv)}\n=== native ===\n{native}\n=== runsc ===\n{boxed}");
        Assert.True(native.ExitCode == boxed.ExitCode, $"exit status differs: native {native.ExitCode}, runsc {boxed}");
        Assert.True(native.Stderr == boxed.Stderr, $"stderr differs\n=== native ===\n{native}\n=== runsc ===\n{boxed}");
    }
}
