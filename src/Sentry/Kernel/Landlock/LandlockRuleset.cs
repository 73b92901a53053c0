using System.Runtime.CompilerServices;
using AppKernel.Sentry.Vfs;
using static AppKernel.Sentry.Kernel.Landlock.LandlockAccess;

namespace AppKernel.Sentry.Kernel.Landlock;

/// <summary>
/// One layer's policy: what it handles (file system rights, TCP rights, scopes) and its rules. A rule's rights
/// include every right the layer does not handle, so only handled rights are ever missing. Path rules are keyed by
/// inode and hold the rule's dentry, so its inode and every directory above it stay reachable (Linux pins the inode
/// too): the entry caches then hand a later lookup the same objects.
/// </summary>
public sealed class LandlockPolicy
{
    public readonly ulong HandledFs, HandledNet, Scoped;
    /// <summary>The file system rights this layer denies without a rule: its handled ones and REFER, which every
    /// layer denies (Linux's LANDLOCK_ACCESS_FS_INITIALLY_DENIED), so reparenting needs a rule granting it.</summary>
    public ulong FsEnforced => HandledFs | FS_REFER;
    readonly Dictionary<Inode, ulong> _paths;
    readonly Dictionary<ushort, ulong> _ports;
    /// <summary>The dentries the path rules were made at, held only to keep their chains alive.</summary>
    readonly List<Dentry> _anchors;

    LandlockPolicy(ulong fs, ulong net, ulong scoped, Dictionary<Inode, ulong> paths, Dictionary<ushort, ulong> ports, List<Dentry> anchors)
    {
        HandledFs = fs; HandledNet = net; Scoped = scoped; _paths = paths; _ports = ports; _anchors = anchors;
    }

    public LandlockPolicy(ulong fs, ulong net, ulong scoped)
        : this(fs, net, scoped, new Dictionary<Inode, ulong>(ReferenceEqualityComparer.Instance), new Dictionary<ushort, ulong>(), new List<Dentry>()) { }

    /// <summary>The rights a rule on this inode grants (0: no rule).</summary>
    public ulong PathRule(Inode i) { lock (_paths) return _paths.TryGetValue(i, out var a) ? a : 0; }
    public ulong PortRule(ushort port) { lock (_ports) return _ports.TryGetValue(port, out var a) ? a : 0; }

    /// <summary>Adds rights to the rule on the dentry's inode (rules on one object merge, as Linux's).</summary>
    public void AddPath(Dentry d, ulong allowed)
    {
        allowed |= FsMask & ~FsEnforced;
        lock (_paths)
        {
            if (!_paths.ContainsKey(d.Inode)) _anchors.Add(d);
            _paths[d.Inode] = _paths.GetValueOrDefault(d.Inode) | allowed;
        }
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
            return new(HandledFs, HandledNet, Scoped, new(_paths, ReferenceEqualityComparer.Instance), new(_ports), new(_anchors));
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
