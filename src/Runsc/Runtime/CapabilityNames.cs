using AppKernel.Runsc.Oci;
using AppKernel.Sentry.Kernel;

namespace AppKernel.Runsc.Runtime;

/// <summary>process.capabilities' names (capability(7)'s CAP_*) as the Sentry's capability sets.</summary>
public static class CapabilityNames
{
    /// <summary>Linux 6.1's capabilities, by number.</summary>
    static readonly string[] Names =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN",
        "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
        "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
        "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
        "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND",
        "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
    ];

    /// <summary>The sets, or null when the spec gives none (the process then keeps root's, as runc leaves them).
    /// An unknown name is an error naming field.</summary>
    public static CapabilitySets? ToSets(SpecCapabilities? caps, string field)
    {
        if (caps == null) return null;
        ulong Mask(List<string>? names, string set)
        {
            ulong m = 0;
            for (int i = 0; i < (names?.Count ?? 0); i++)
            {
                int n = Array.IndexOf(Names, names![i]);
                if (n < 0) throw new RuntimeException($"{field}.{set}[{i}]: {names[i]} is not a capability");
                m |= 1UL << n;
            }
            return m;
        }
        return new CapabilitySets(Mask(caps.Effective, "effective"), Mask(caps.Permitted, "permitted"), Mask(caps.Inheritable, "inheritable"),
            Mask(caps.Bounding, "bounding"), Mask(caps.Ambient, "ambient"));
    }
}
