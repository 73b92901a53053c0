using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.FileSystems.Cgroups;

/// <summary>A cgroup namespace: the cgroup its members see as "/" (the creator's cgroup when it was made), in
/// /proc/PID/cgroup, mountinfo and a cgroup2 mount made inside it.</summary>
public sealed class CgroupNamespace(Cgroup root, uint inum)
{
    public Cgroup Root { get; } = root;
    public uint Inum { get; } = inum;
    /// <summary>The user namespace that owns it (its creator's).</summary>
    public UserNamespace Owner = UserNamespace.Initial;
}
