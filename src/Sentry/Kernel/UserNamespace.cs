using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.Kernel;

/// <summary>
/// One of a user namespace's id maps (uid_map or gid_map): up to 340 extents "first lower count", where first is an
/// id inside the namespace and lower the kernel id (kuid/kgid) it stands for. Written once; empty until then, so
/// nothing maps.
/// </summary>
public sealed class IdMap
{
    /// <summary>Linux's UID_GID_MAP_MAX_EXTENTS.</summary>
    public const int MaxExtents = 340;
    /// <summary>No id: what an unmapped id translates to (Linux's INVALID_UID, (u32)-1).</summary>
    public const uint Invalid = uint.MaxValue;

    public readonly record struct Extent(uint First, uint Lower, uint Count);

    volatile Extent[] _extents = Array.Empty<Extent>();

    public IdMap() { }
    IdMap(Extent[] extents) => _extents = extents;

    /// <summary>The sandbox's initial map: every id but -1 is itself.</summary>
    public static IdMap Identity() => new(new[] { new Extent(0, 0, uint.MaxValue) });

    public IReadOnlyList<Extent> Extents => _extents;
    public bool IsSet => _extents.Length > 0;

    /// <summary>The map's only write: false when it was written already.</summary>
    public bool TrySet(Extent[] extents)
    {
        lock (this)
        {
            if (IsSet) return false;
            _extents = extents;
            return true;
        }
    }

    /// <summary>Linux's map_id_down: the kernel id of id in the namespace, or Invalid.</summary>
    public uint Down(uint id)
    {
        foreach (var e in _extents)
            if (id - e.First < e.Count) return e.Lower + (id - e.First);
        return Invalid;
    }

    /// <summary>The kernel ids [id, id+count) of the parent's ids as one range, or Invalid (map_id_range_down).</summary>
    public uint DownRange(uint id, uint count)
    {
        foreach (var e in _extents)
            if (id - e.First < e.Count && (ulong)(id - e.First) + count <= e.Count) return e.Lower + (id - e.First);
        return Invalid;
    }

    /// <summary>Linux's map_id_up: the namespace's id for a kernel id, or Invalid.</summary>
    public uint Up(uint kid)
    {
        foreach (var e in _extents)
            if (kid - e.Lower < e.Count) return e.First + (kid - e.Lower);
        return Invalid;
    }
}

/// <summary>
/// A user namespace (user_namespaces(7)): its parent, creator (owner kuid and group kgid), nesting level, id maps
/// and the setgroups switch. Credentials hold the kernel's ids (kuids and kgids, which in the sandbox's initial
/// namespace are the ids themselves) and the namespace they live in; ids cross to and from user space only through
/// <see cref="UidToUser"/>/<see cref="UidFromUser"/> (and the gid pair) of the caller's namespace.
/// </summary>
public sealed class UserNamespace
{
    /// <summary>Deepest level a namespace may be made under (Linux: a parent past 32 refuses a child).</summary>
    public const int MaxLevel = 32;
    /// <summary>What an id with no mapping shows as (/proc/sys/kernel/overflowuid and overflowgid).</summary>
    public const uint OverflowId = 65534;

    public UserNamespace? Parent { get; }
    public int Level { get; }
    public uint Owner { get; }
    public uint Group { get; }
    public uint Inum { get; }
    public IdMap UidMap { get; }
    public IdMap GidMap { get; }
    /// <summary>Whether the creator had CAP_SETFCAP (a map naming the parent's uid 0 needs it, verify_root_map).</summary>
    public bool ParentCouldSetfcap { get; }
    volatile bool _setgroupsAllowed = true;
    /// <summary>/proc/[pid]/setgroups: "deny" (false) is for good; a child starts with its parent's.</summary>
    public bool SetgroupsAllowed => _setgroupsAllowed;

    UserNamespace(UserNamespace? parent, uint owner, uint group, uint inum, IdMap uids, IdMap gids, bool couldSetfcap)
    {
        Parent = parent;
        Level = parent == null ? 0 : parent.Level + 1;
        Owner = owner; Group = group; Inum = inum;
        UidMap = uids; GidMap = gids;
        ParentCouldSetfcap = couldSetfcap;
        if (parent != null) _setgroupsAllowed = parent._setgroupsAllowed;
    }

    /// <summary>The sandbox's initial namespace, the same for every kernel: its maps are the identity and never change.</summary>
    public static readonly UserNamespace Initial = new(null, 0, 0, NsInodes.UserInit, IdMap.Identity(), IdMap.Identity(), true);

    /// <summary>Linux's create_user_ns: a child of c's namespace owned by c's effective ids (ENOSPC past the
    /// nesting limit; EPERM when those ids have no mapping in the parent or the caller is chrooted).</summary>
    public static Errno Create(Credentials c, bool chrooted, out UserNamespace? ns)
    {
        ns = null;
        var parent = c.UserNs;
        if (parent.Level > MaxLevel) return Errno.ENOSPC;
        if (chrooted) return Errno.EPERM;
        if (parent.UidMap.Up(c.Euid) == IdMap.Invalid || parent.GidMap.Up(c.Egid) == IdMap.Invalid) return Errno.EPERM;
        ns = new UserNamespace(parent, c.Euid, c.Egid, NsInodes.Next(), new IdMap(), new IdMap(), (c.CapEffective >> Credentials.CAP_SETFCAP & 1) != 0);
        return Errno.None;
    }

    /// <summary>Whether this namespace is other or one of its ancestors.</summary>
    public bool IsAncestorOf(UserNamespace other)
    {
        for (var n = other; n != null; n = n.Parent)
            if (n == this) return true;
        return false;
    }

    /// <summary>Writing "deny": refused once the gid map is written (the caller holds the maps' lock).</summary>
    public bool DenySetgroups()
    {
        lock (GidMap)
        {
            if (GidMap.IsSet) return false;
            _setgroupsAllowed = false;
            return true;
        }
    }

    /// <summary>Whether setgroups(2) may be used in this namespace: a gid map exists and setgroups is "allow".</summary>
    public bool MaySetgroups => GidMap.IsSet && _setgroupsAllowed;

    // The boundary: kernel ids to what a caller in this namespace sees (from_kuid_munged: unmapped is 65534) ...
    public uint UidToUser(uint kuid) => Munged(UidMap.Up(kuid));
    public uint GidToUser(uint kgid) => Munged(GidMap.Up(kgid));
    // ... and a caller's ids to kernel ids (make_kuid: unmapped is IdMap.Invalid, which callers answer EINVAL).
    public uint UidFromUser(uint uid) => UidMap.Down(uid);
    public uint GidFromUser(uint gid) => GidMap.Down(gid);

    static uint Munged(uint id) => id == IdMap.Invalid ? OverflowId : id;

    /// <summary>Largest write a map file takes (less than a page, at offset 0).</summary>
    public const int MaxMapWrite = 4096;
    /// <summary>UID_GID_MAP_MAX_BASE_EXTENTS: a map longer than this is kept sorted.</summary>
    const int SortedPast = 5;

    /// <summary>Linux's proc_uid_map_write/map_write: the file's opener (whose namespace is this one or its parent)
    /// sets this namespace's uid or gid map from "first lower count" lines, lower in the parent's terms; the writer
    /// (current) needs CAP_SETUID/CAP_SETGID over the parent as well unless the opener maps just itself.
    /// EPERM: initial namespace, written already, no CAP_SYS_ADMIN here, or ids they may not map; EINVAL: a bad
    /// offset, size or line, overlapping extents, more than 340.</summary>
    public Errno WriteMap(Credentials writer, Credentials current, bool gid, ReadOnlySpan<byte> text, long offset)
    {
        if (Parent == null) return Errno.EPERM;
        if (writer.UserNs != this && writer.UserNs != Parent) return Errno.EPERM;
        if (offset != 0 || text.Length >= MaxMapWrite) return Errno.EINVAL;
        var map = gid ? GidMap : UidMap;
        lock (GidMap) // the maps' one lock: setgroups' "deny" looks at the gid map under it too
        {
            if (map.IsSet) return Errno.EPERM;
            if (!writer.HasIn(this, Credentials.CAP_SYS_ADMIN)) return Errno.EPERM;
            var e = ParseMap(text, out var extents);
            if (e != Errno.None) return e;
            if (!MayMap(writer, current, gid, extents)) return Errno.EPERM;
            var parentMap = gid ? Parent.GidMap : Parent.UidMap;
            for (int i = 0; i < extents.Length; i++)
            {
                uint lower = parentMap.DownRange(extents[i].Lower, extents[i].Count);
                if (lower == IdMap.Invalid) return Errno.EPERM;
                extents[i] = extents[i] with { Lower = lower };
            }
            // Past 5 extents Linux keeps them sorted by first id, which is the order a read shows.
            if (extents.Length > SortedPast) Array.Sort(extents, (a, b) => a.First.CompareTo(b.First));
            return map.TrySet(extents) ? Errno.None : Errno.EPERM;
        }
    }

    /// <summary>The lines of a map write (Linux's parse: spaces around three decimal numbers, no trailing junk).</summary>
    static Errno ParseMap(ReadOnlySpan<byte> text, out IdMap.Extent[] extents)
    {
        extents = Array.Empty<IdMap.Extent>();
        int nul = text.IndexOf((byte)0);
        if (nul >= 0) text = text[..nul];
        var list = new List<IdMap.Extent>();
        while (true)
        {
            int nl = text.IndexOf((byte)'\n');
            var line = nl < 0 ? text : text[..nl];
            var rest = nl < 0 ? ReadOnlySpan<byte>.Empty : text[(nl + 1)..];
            bool more = nl >= 0 && rest.Length > 0;
            int pos = 0;
            uint first = Number(line, ref pos);
            if (pos >= line.Length || !IsSpace(line[pos])) return Errno.EINVAL;
            uint lower = Number(line, ref pos);
            if (pos >= line.Length || !IsSpace(line[pos])) return Errno.EINVAL;
            uint count = Number(line, ref pos);
            if (pos < line.Length && !IsSpace(line[pos])) return Errno.EINVAL;
            while (pos < line.Length && IsSpace(line[pos])) pos++;
            if (pos != line.Length) return Errno.EINVAL;
            if (first == uint.MaxValue || lower == uint.MaxValue) return Errno.EINVAL;
            if (first + count <= first || lower + count <= lower) return Errno.EINVAL; // empty or wrapping
            var x = new IdMap.Extent(first, lower, count);
            foreach (var prev in list)
                if (Overlap(prev.First, x.First, x.Count, prev.Count) || Overlap(prev.Lower, x.Lower, x.Count, prev.Count)) return Errno.EINVAL;
            if (list.Count + 1 == IdMap.MaxExtents && more) return Errno.EINVAL;
            list.Add(x);
            if (!more) break;
            text = rest;
        }
        extents = list.ToArray();
        return Errno.None;
    }

    static bool Overlap(uint prevFirst, uint first, uint count, uint prevCount) =>
        prevFirst <= first + count - 1 && prevFirst + prevCount - 1 >= first;

    /// <summary>simple_strtoul after skip_spaces: the decimal digits at pos (none is 0), wrapping as the C code does.</summary>
    static uint Number(ReadOnlySpan<byte> s, ref int pos)
    {
        while (pos < s.Length && IsSpace(s[pos])) pos++;
        ulong v = 0;
        while (pos < s.Length && s[pos] >= '0' && s[pos] <= '9') v = unchecked(v * 10 + (ulong)(s[pos++] - '0'));
        return (uint)v;
    }

    static bool IsSpace(byte b) => b == ' ' || (b >= '\t' && b <= '\r');

    /// <summary>Linux's new_idmap_permitted: a map naming the parent's root needs CAP_SETFCAP (verify_root_map); the
    /// owner may map just its own euid (or egid, once setgroups is denied); else CAP_SETUID/CAP_SETGID over the parent.</summary>
    bool MayMap(Credentials writer, Credentials current, bool gid, IdMap.Extent[] extents)
    {
        if (!gid && Array.Exists(extents, x => x.Lower == 0))
        {
            bool setfcap = writer.UserNs == this ? ParentCouldSetfcap : writer.HasIn(Parent!, Credentials.CAP_SETFCAP);
            if (!setfcap) return false;
        }
        if (extents.Length == 1 && extents[0].Count == 1 && Owner == writer.Euid)
        {
            uint id = extents[0].Lower;
            if (!gid && Parent!.UidFromUser(id) == writer.Euid) return true;
            if (gid && !_setgroupsAllowed && Parent!.GidFromUser(id) == writer.Egid) return true;
        }
        int cap = gid ? Credentials.CAP_SETGID : Credentials.CAP_SETUID;
        return current.HasIn(Parent!, cap) && writer.HasIn(Parent!, cap);
    }

    /// <summary>A map as a reader in namespace readerNs sees it (Linux's uid_m_show): first, then lower in the
    /// reader's namespace — or in this one's parent when the reader is inside — and count, "%10u %10u %10u".</summary>
    public string ShowMap(UserNamespace readerNs, bool gid)
    {
        var lowerNs = readerNs == this && Parent != null ? Parent : readerNs;
        var sb = new System.Text.StringBuilder();
        foreach (var x in (gid ? GidMap : UidMap).Extents)
        {
            uint lower = gid ? lowerNs.GidMap.Up(x.Lower) : lowerNs.UidMap.Up(x.Lower);
            sb.Append($"{x.First,10} {lower,10} {x.Count,10}\n");
        }
        return sb.ToString();
    }
}
