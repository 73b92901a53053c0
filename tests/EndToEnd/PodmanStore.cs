using Xunit;
using static AppKernel.Tests.EndToEnd.RunscHarness;

namespace AppKernel.Tests.EndToEnd;

/// <summary>
/// A rootful podman store of its own (apt-get install podman): root, runroot and the cgroupfs manager under a
/// temporary directory, a busybox image imported from a tar (nothing pulled). Removed with its containers.
/// </summary>
public sealed class PodmanStore : IDisposable
{
    public const string Podman = "/usr/bin/podman", Image = "localhost/busybox:latest";
    // These ulimits: root here lacks CAP_SYS_RESOURCE to raise them to podman's defaults (ECOSYSTEM.md).
    public static readonly string[] RunFlags = ["--network=none", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"];
    public string Dir { get; }

    public PodmanStore()
    {
        Assert.True(File.Exists(Podman), "apt-get install podman");
        Dir = Directory.CreateTempSubdirectory("akp").FullName;
        var rootfs = Directory.CreateDirectory(Path.Combine(Dir, "rootfs")).FullName;
        foreach (var d in new[] { "bin", "proc", "dev", "sys", "tmp", "etc" }) Directory.CreateDirectory(Path.Combine(rootfs, d));
        File.Copy("/bin/busybox", Path.Combine(rootfs, "bin", "busybox"));
        foreach (var app in new[] { "sh", "echo", "cat", "sleep", "ls" }) File.CreateSymbolicLink(Path.Combine(rootfs, "bin", app), "busybox");
        var tar = Path.Combine(Dir, "busybox.tar");
        Assert.Equal(0, Run("tar", ["-C", rootfs, "-cf", tar, "."]).ExitCode);
        var r = P("import", tar, Image);
        Assert.True(r.ExitCode == 0, r.ToString());
    }

    /// <summary>podman's command line for this store with the given OCI runtime (a path or a name podman knows: runc).</summary>
    public string[] Argv(string runtime) =>
        [Podman, "--root", Path.Combine(Dir, "root"), "--runroot", Path.Combine(Dir, "runroot"), "--cgroup-manager=cgroupfs",
            "--events-backend=file", "--runtime", runtime];

    /// <summary>podman with runsc as its runtime.</summary>
    public ProcResult P(params string[] args) => PWith(RunscPath, args);

    public ProcResult PWith(string runtime, params string[] args)
    {
        var argv = Argv(runtime);
        return Run(argv[0], argv[1..].Concat(args), 120_000);
    }

    public void Dispose()
    {
        P("rm", "-af");
        Run("/bin/sh", ["-c", $"grep -o ' {Dir}[^ ]*' /proc/mounts | sort -r | xargs -r -n1 umount -l"]);
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
