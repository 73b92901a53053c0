namespace AppKernel.Sentry.Memory;

/// <summary>
/// A NUMA memory policy (set_mempolicy for a task, mbind for a range), as Linux keeps it. The sandbox has one
/// node, so a policy changes nothing about where memory comes from; it is kept so that get_mempolicy reads back
/// what was set, with Linux's checks. Immutable: tasks and VMAs share one by reference (VMAs with the same
/// policy object merge).
/// </summary>
public sealed class MemPolicy
{
    public const int MPOL_DEFAULT = 0, MPOL_PREFERRED = 1, MPOL_BIND = 2, MPOL_INTERLEAVE = 3, MPOL_LOCAL = 4,
        MPOL_PREFERRED_MANY = 5, MPOL_MAX = 6;
    public const int MPOL_F_STATIC_NODES = 1 << 15, MPOL_F_RELATIVE_NODES = 1 << 14, MPOL_F_NUMA_BALANCING = 1 << 13,
        MPOL_MODE_FLAGS = MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES | MPOL_F_NUMA_BALANCING;

    /// <summary>Debian's CONFIG_NODES_SHIFT=10: node masks are checked up to 1024 bits.</summary>
    public const int MaxNumNodes = 1024;
    /// <summary>The nodes with memory: node 0 only.</summary>
    public const ulong OnlineNodes = 1;

    public int Mode { get; }
    public int Flags { get; }
    /// <summary>The nodes the policy uses (within the online nodes).</summary>
    public ulong Nodes { get; }
    /// <summary>The mask as given, kept for STATIC/RELATIVE_NODES (get_mempolicy returns it for those).</summary>
    public ulong[] UserNodes { get; }

    MemPolicy(int mode, int flags, ulong nodes, ulong[] userNodes) { Mode = mode; Flags = flags; Nodes = nodes; UserNodes = userNodes; }

    /// <summary>Splits a mode argument into mode and flags (Linux's sanitize_mpol_flags).</summary>
    public static Errno Sanitize(int arg, out int mode, out int flags)
    {
        flags = arg & MPOL_MODE_FLAGS;
        mode = arg & ~MPOL_MODE_FLAGS;
        if ((uint)mode >= MPOL_MAX) return Errno.EINVAL;
        if ((flags & MPOL_F_STATIC_NODES) != 0 && (flags & MPOL_F_RELATIVE_NODES) != 0) return Errno.EINVAL;
        if ((flags & MPOL_F_NUMA_BALANCING) != 0 && mode != MPOL_BIND) return Errno.EINVAL;
        return Errno.None;
    }

    /// <summary>
    /// Linux's mpol_new and mpol_set_nodemask: null for MPOL_DEFAULT (no policy); EINVAL for nodes a mode may not
    /// have or must have, or that leave no online node.
    /// </summary>
    public static Errno Create(int mode, int flags, ulong[] nodes, out MemPolicy? policy)
    {
        policy = null;
        bool empty = Array.TrueForAll(nodes, w => w == 0);
        bool nodeFlags = (flags & (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES)) != 0;
        if (mode == MPOL_DEFAULT) return empty ? Errno.None : Errno.EINVAL;
        if (mode == MPOL_PREFERRED && empty)
        {
            if (nodeFlags) return Errno.EINVAL;
            mode = MPOL_LOCAL;
        }
        else if (mode == MPOL_LOCAL)
        {
            if (!empty || nodeFlags) return Errno.EINVAL;
        }
        else if (empty) return Errno.EINVAL;
        ulong used = 0;
        if (mode != MPOL_LOCAL)
        {
            // RELATIVE_NODES folds the mask onto the allowed nodes, so any node lands on node 0.
            used = (flags & MPOL_F_RELATIVE_NODES) != 0 ? OnlineNodes : (nodes.Length > 0 ? nodes[0] : 0) & OnlineNodes;
            if (used == 0) return Errno.EINVAL;
            if (mode == MPOL_PREFERRED) used &= (ulong)-(long)used; // the first node only
        }
        policy = new MemPolicy(mode, flags, used, nodeFlags ? nodes : Array.Empty<ulong>());
        return Errno.None;
    }

    /// <summary>What get_mempolicy reports as the node mask: the user's for STATIC/RELATIVE, else the nodes used.</summary>
    public ulong[] ReportedNodes() =>
        (Flags & (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES)) != 0 ? UserNodes
        : Mode is MPOL_DEFAULT or MPOL_LOCAL ? new ulong[1] : new[] { Nodes };
}
