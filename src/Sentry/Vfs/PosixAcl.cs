using System.Buffers.Binary;
using AppKernel.Sentry.Kernel;

namespace AppKernel.Sentry.Vfs;

/// <summary>
/// A POSIX access control list (Linux's struct posix_acl): what system.posix_acl_access and
/// system.posix_acl_default hold. Entries keep kernel ids. An inode's access ACL is kept in step with its mode
/// (the owner, mask or group, and other entries are the mode's bits), so the owner and "other" checks can use
/// the mode; only a caller who is neither owner nor other walks the entries.
/// Immutable: chmod and inheritance make new lists.
/// </summary>
public sealed class PosixAcl
{
    public const ushort ACL_USER_OBJ = 0x01, ACL_USER = 0x02, ACL_GROUP_OBJ = 0x04, ACL_GROUP = 0x08,
        ACL_MASK = 0x10, ACL_OTHER = 0x20;
    const ushort ACL_READ = 4, ACL_WRITE = 2, ACL_EXECUTE = 1, AllPerms = ACL_READ | ACL_WRITE | ACL_EXECUTE;
    /// <summary>POSIX_ACL_XATTR_VERSION: the only layout of the xattr value.</summary>
    const uint XattrVersion = 2;
    const int HeaderSize = 4, EntrySize = 8;
    const uint S_IRWXO = 7, S_IRWXG = 7 << 3, S_IRWXU = 7 << 6, S_IRWXUGO = S_IRWXU | S_IRWXG | S_IRWXO;

    public const string AccessName = "system.posix_acl_access", DefaultName = "system.posix_acl_default";

    public readonly record struct Entry(ushort Tag, ushort Perm, uint Id);

    public IReadOnlyList<Entry> Entries => _entries;
    readonly Entry[] _entries;

    PosixAcl(Entry[] entries) => _entries = entries;

    /// <summary>posix_acl_from_xattr with the caller's user namespace: EOPNOTSUPP for another version, EINVAL for a
    /// torn value, an unknown tag or an id the namespace does not map; a header with no entries is no ACL (null).
    /// Then posix_acl_valid's order and completeness rules (<see cref="Valid"/>), which Linux checks later, after
    /// the ownership check: the caller runs it.</summary>
    public static Errno FromXattr(ReadOnlySpan<byte> value, UserNamespace ns, out PosixAcl? acl)
    {
        acl = null;
        if (value.Length < HeaderSize) return Errno.EINVAL;
        if (BinaryPrimitives.ReadUInt32LittleEndian(value) != XattrVersion) return Errno.EOPNOTSUPP;
        if ((value.Length - HeaderSize) % EntrySize != 0) return Errno.EINVAL;
        int count = (value.Length - HeaderSize) / EntrySize;
        if (count == 0) return Errno.None;
        var entries = new Entry[count];
        for (int i = 0; i < count; i++)
        {
            var raw = value.Slice(HeaderSize + i * EntrySize, EntrySize);
            ushort tag = BinaryPrimitives.ReadUInt16LittleEndian(raw);
            ushort perm = BinaryPrimitives.ReadUInt16LittleEndian(raw[2..]);
            uint id = BinaryPrimitives.ReadUInt32LittleEndian(raw[4..]);
            switch (tag)
            {
                case ACL_USER_OBJ or ACL_GROUP_OBJ or ACL_MASK or ACL_OTHER:
                    id = IdMap.Invalid;
                    break;
                case ACL_USER:
                    id = ns.UidFromUser(id);
                    if (id == IdMap.Invalid) return Errno.EINVAL;
                    break;
                case ACL_GROUP:
                    id = ns.GidFromUser(id);
                    if (id == IdMap.Invalid) return Errno.EINVAL;
                    break;
                default:
                    return Errno.EINVAL;
            }
            entries[i] = new Entry(tag, perm, id);
        }
        acl = new PosixAcl(entries);
        return Errno.None;
    }

    /// <summary>posix_acl_to_xattr: the value getxattr returns, ids as the caller's namespace sees them.</summary>
    public byte[] ToXattr(UserNamespace ns)
    {
        var buf = new byte[HeaderSize + _entries.Length * EntrySize];
        BinaryPrimitives.WriteUInt32LittleEndian(buf, XattrVersion);
        for (int i = 0; i < _entries.Length; i++)
        {
            var e = _entries[i];
            var raw = buf.AsSpan(HeaderSize + i * EntrySize, EntrySize);
            BinaryPrimitives.WriteUInt16LittleEndian(raw, e.Tag);
            BinaryPrimitives.WriteUInt16LittleEndian(raw[2..], e.Perm);
            uint id = e.Tag switch
            {
                ACL_USER => ns.UidToUser(e.Id),
                ACL_GROUP => ns.GidToUser(e.Id),
                _ => IdMap.Invalid, // ACL_UNDEFINED_ID
            };
            BinaryPrimitives.WriteUInt32LittleEndian(raw[4..], id);
        }
        return buf;
    }

    /// <summary>posix_acl_valid: permission bits only rwx; USER_OBJ, then named users, GROUP_OBJ, named groups,
    /// MASK, OTHER, each object entry once; a MASK whenever there is a named entry.</summary>
    public bool Valid()
    {
        const int UserObj = 1, User = 2, Group = 3, Other = 4, Done = 0;
        int state = UserObj;
        bool needsMask = false;
        foreach (var e in _entries)
        {
            if ((e.Perm & ~AllPerms) != 0) return false;
            switch (e.Tag)
            {
                case ACL_USER_OBJ when state == UserObj: state = User; break;
                case ACL_USER when state == User: needsMask = true; break;
                case ACL_GROUP_OBJ when state == User: state = Group; break;
                case ACL_GROUP when state == Group: needsMask = true; break;
                case ACL_MASK when state == Group: state = Other; break;
                case ACL_OTHER when state == Other || (state == Group && !needsMask): state = Done; break;
                default: return false;
            }
        }
        return state == Done;
    }

    /// <summary>posix_acl_equiv_mode: the permission bits the ACL stands for (the mask's as the group's when there
    /// is one), and whether it says more than a mode can (a mask or a named entry).</summary>
    public bool EquivMode(ref uint mode)
    {
        uint bits = 0;
        bool notEquiv = false;
        foreach (var e in _entries)
        {
            uint p = e.Perm & S_IRWXO;
            switch (e.Tag)
            {
                case ACL_USER_OBJ: bits |= p << 6; break;
                case ACL_GROUP_OBJ: bits |= p << 3; break;
                case ACL_OTHER: bits |= p; break;
                case ACL_MASK: bits = (bits & ~S_IRWXG) | p << 3; notEquiv = true; break;
                default: notEquiv = true; break;
            }
        }
        mode = (mode & ~S_IRWXUGO) | bits;
        return notEquiv;
    }

    /// <summary>posix_acl_create_masq: a parent's default ACL meeting the mode a creation asks for (no umask
    /// then): each object entry keeps only what the mode grants and the mode only what the entry grants. Returns
    /// the new object's access ACL, or null when it says no more than the mode.</summary>
    public PosixAcl? CreateMasq(ref uint mode)
    {
        var entries = (Entry[])_entries.Clone();
        uint m = mode & S_IRWXUGO;
        int groupObj = -1, mask = -1;
        bool notEquiv = false;
        for (int i = 0; i < entries.Length; i++)
        {
            var e = entries[i];
            switch (e.Tag)
            {
                case ACL_USER_OBJ:
                    entries[i] = e with { Perm = (ushort)(e.Perm & ((m >> 6) & S_IRWXO)) };
                    m &= ((uint)entries[i].Perm << 6) | ~S_IRWXU;
                    break;
                case ACL_OTHER:
                    entries[i] = e with { Perm = (ushort)(e.Perm & (m & S_IRWXO)) };
                    m &= entries[i].Perm | ~S_IRWXO;
                    break;
                case ACL_GROUP_OBJ: groupObj = i; break;
                case ACL_MASK: mask = i; notEquiv = true; break;
                default: notEquiv = true; break;
            }
        }
        int g = mask >= 0 ? mask : groupObj;
        if (g >= 0)
        {
            entries[g] = entries[g] with { Perm = (ushort)(entries[g].Perm & ((m >> 3) & S_IRWXO)) };
            m &= ((uint)entries[g].Perm << 3) | ~S_IRWXG;
        }
        mode = (mode & ~S_IRWXUGO) | m;
        return notEquiv ? new PosixAcl(entries) : null;
    }

    /// <summary>__posix_acl_chmod: the owner, mask (or group, without a mask) and other entries take the new
    /// mode's bits.</summary>
    public PosixAcl Chmod(uint mode)
    {
        var entries = (Entry[])_entries.Clone();
        bool hasMask = Array.Exists(entries, e => e.Tag == ACL_MASK);
        for (int i = 0; i < entries.Length; i++)
        {
            var e = entries[i];
            uint? bits = e.Tag switch
            {
                ACL_USER_OBJ => mode >> 6,
                ACL_MASK => mode >> 3,
                ACL_GROUP_OBJ when !hasMask => mode >> 3,
                ACL_OTHER => mode,
                _ => null,
            };
            if (bits is { } b) entries[i] = e with { Perm = (ushort)(b & S_IRWXO) };
        }
        return new PosixAcl(entries);
    }

    /// <summary>posix_acl_permission for a caller who is not the owner: a named user entry, else the owning and
    /// named groups the caller is in (any that grants all of want), each capped by the mask; else OTHER.</summary>
    public bool Permits(Credentials c, uint ownerUid, uint ownerGid, int want)
    {
        bool groupMatched = false;
        for (int i = 0; i < _entries.Length; i++)
        {
            var e = _entries[i];
            switch (e.Tag)
            {
                case ACL_USER_OBJ when c.Fsuid == ownerUid:
                    return (e.Perm & want) == want;
                case ACL_USER when c.Fsuid == e.Id:
                    return Masked(i, want);
                case ACL_GROUP_OBJ when c.InGroup(ownerGid):
                case ACL_GROUP when c.InGroup(e.Id):
                    groupMatched = true;
                    if ((e.Perm & want) == want) return Masked(i, want);
                    break;
                case ACL_OTHER:
                    return !groupMatched && (e.Perm & want) == want;
            }
        }
        return false;
    }

    bool Masked(int i, int want)
    {
        int perm = _entries[i].Perm;
        foreach (var e in _entries)
            if (e.Tag == ACL_MASK) perm &= e.Perm;
        return (perm & want) == want;
    }
}
