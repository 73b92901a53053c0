namespace AppKernel.Sentry.Vfs;

/// <summary>
/// The file system types the sandbox's kernel has, in the order it lists them: /proc/filesystems and the old
/// sysfs(2) call read this one list. All are virtual (nodev): the sandbox has no block devices.
/// </summary>
public static class FilesystemTypes
{
    public static readonly string[] Names = { "sysfs", "tmpfs", "proc", "cgroup2", "devtmpfs", "pipefs", "devpts", "mqueue" };

    /// <summary>/proc/filesystems: "nodev\tNAME" per type.</summary>
    public static string ProcText() => string.Concat(Names.Select(n => $"nodev\t{n}\n"));
}
