using System.Runtime.CompilerServices;
using AppKernel.Sentry.Vfs;
using static AppKernel.Sentry.Kernel.Landlock.LandlockAccess;

namespace AppKernel.Sentry.Kernel.Landlock;

/// <summary>
/// One layer's policy: what it handles (file system rights, TCP rights, scopes) and its rules. A rule's rights
/// include every right the layer does not handle, so only handled rights are ever missing. Path rules hold their
/// inode (Linux pins the inode too), and a node holds the directory it was looked up in, so the entry caches hand a
/// later lookup of the same file the same object.
/// </summary>
public sealed class LandlockPolicy
{
    public readonly ulong HandledFs, HandledNet, Scoped;
    /// <summary>The file system rights this layer denies without a rule: its handled ones and REFER, which every
    /// layer denies (Linux's LANDLOCK_ACCESS_FS_INITIALLY_DENIED), so reparenting needs a rule granting it.</summary>
    public ulong FsEnforced => HandledFs | FS_REFER;
    readonly Dictionary<Inode, ulong> _paths;
    readonly Dictionary<ushort, ulong> _ports;

    LandlockPolicy(ulong fs, ulong net, ulong scoped, Dictionary<Inode, ulong> paths, Dictionary<ushort, ulong> ports)
    {
        HandledFs = fs; HandledNet = net; Scoped = scoped; _paths = paths; _ports = ports;
    }

    public LandlockPolicy(ulong fs, ulong net, ulong scoped)
        : this(fs, net, scoped, new Dictionary<Inode, ulong>(ReferenceEqualityComparer.Instance), new Dictionary<ushort, ulong>()) { }

    /// <summary>The rights a rule on this inode grants (0: no rule).</summary>
    public ulong PathRule(Inode i) { lock (_paths) return _paths.TryGetValue(i, out var a) ? a : 0; }
    public ulong PortRule(ushort port) { lock (_ports) return _ports.TryGetValue(port, out var a) ? a : 0; }

    /// <summary>Adds rights to the inode's rule (rules on one object merge, as Linux's).</summary>
    public void AddPath(Inode i, ulong allowed)
    {
        allowed |= FsMask & ~FsEnforced;
        lock (_paths) _paths[i] = _paths.GetValueOrDefault(i) | allowed;
    }

    public void AddPort(ushort port, ulong allowed)
    {
        allowed |= NetMask & ~HandledNet;
        lock (_ports) _ports[port] = _ports.GetValueOrDefault(port) | allowed;
    }

    /// <summary>A frozen copy: a domain keeps the rules as they were at landlock_restrict_self.</summary>
    public LandlockPolicy Snapshot()
    {
        lock (_paths) lock (_ports)
            return new(HandledFs, HandledNet, Scoped, new(_paths, ReferenceEqualityComparer.Instance), new(_ports));
    }
}

/// <summary>
/// A task's Landlock domain: a stack of layers, each node one landlock_restrict_self. Nodes are shared, never
/// changed: fork, clone and exec keep the task's node, and a new restriction pushes a node on top. A node's
/// identity is its place in the hierarchy, which the scopes compare.
/// </summary>
public sealed class LandlockDomain
{
    public LandlockDomain? Parent { get; }
    public LandlockPolicy Policy { get; }
    /// <summary>How many layers this node and its ancestors make (1 for the first).</summary>
    public int Depth { get; }

    public LandlockDomain(LandlockDomain? parent, LandlockPolicy policy)
    {
        Parent = parent; Policy = policy; Depth = (parent?.Depth ?? 0) + 1;
        HandledFs = (parent?.HandledFs ?? 0) | policy.HandledFs;
        HandledNet = (parent?.HandledNet ?? 0) | policy.HandledNet;
        Scoped = (parent?.Scoped ?? 0) | policy.Scoped;
    }

    /// <summary>This node's ancestor (or itself) with the given depth.</summary>
    public LandlockDomain AtDepth(int depth)
    {
        var d = this;
        while (d.Depth > depth) d = d.Parent!;
        return d;
    }

    /// <summary>The union of what the layers handle: a domain restricts file system, TCP or scoped actions only
    /// when some layer handles them.</summary>
    public readonly ulong HandledFs, HandledNet, Scoped;
}
