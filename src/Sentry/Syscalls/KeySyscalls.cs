using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Kernel.Keys;
using static AppKernel.Sentry.Syscalls.SyscallTable;

namespace AppKernel.Sentry.Syscalls;

/// <summary>
/// add_key, request_key and keyctl over the sandbox's key service (Kernel/Keys), with Linux's lookups (the special
/// keyring ids, made on demand), permission checks in Linux's order, and its errors. What needs a facility the
/// sandbox lacks answers as a kernel without it: no request-key helper to construct a key (ENOKEY), no
/// instantiation authority (EPERM), no persistent, Diffie-Hellman, public-key or notification support (EOPNOTSUPP).
/// </summary>
static class KeySyscalls
{
    const int KEY_SPEC_THREAD_KEYRING = -1, KEY_SPEC_PROCESS_KEYRING = -2, KEY_SPEC_SESSION_KEYRING = -3,
        KEY_SPEC_USER_KEYRING = -4, KEY_SPEC_USER_SESSION_KEYRING = -5, KEY_SPEC_GROUP_KEYRING = -6,
        KEY_SPEC_REQKEY_AUTH_KEY = -7, KEY_SPEC_REQUESTOR_KEYRING = -8;
    const int KEYCTL_GET_KEYRING_ID = 0, KEYCTL_JOIN_SESSION_KEYRING = 1, KEYCTL_UPDATE = 2, KEYCTL_REVOKE = 3,
        KEYCTL_CHOWN = 4, KEYCTL_SETPERM = 5, KEYCTL_DESCRIBE = 6, KEYCTL_CLEAR = 7, KEYCTL_LINK = 8, KEYCTL_UNLINK = 9,
        KEYCTL_SEARCH = 10, KEYCTL_READ = 11, KEYCTL_INSTANTIATE = 12, KEYCTL_NEGATE = 13, KEYCTL_SET_REQKEY_KEYRING = 14,
        KEYCTL_SET_TIMEOUT = 15, KEYCTL_ASSUME_AUTHORITY = 16, KEYCTL_GET_SECURITY = 17, KEYCTL_SESSION_TO_PARENT = 18,
        KEYCTL_REJECT = 19, KEYCTL_INSTANTIATE_IOV = 20, KEYCTL_INVALIDATE = 21, KEYCTL_RESTRICT_KEYRING = 29,
        KEYCTL_MOVE = 30, KEYCTL_CAPABILITIES = 31;
    const int KEY_REQKEY_DEFL_NO_CHANGE = -1, KEY_REQKEY_DEFL_THREAD_KEYRING = 1, KEY_REQKEY_DEFL_PROCESS_KEYRING = 2,
        KEY_REQKEY_DEFL_GROUP_KEYRING = 6, KEY_REQKEY_DEFL_REQUESTOR_KEYRING = 7;
    const uint KEYCTL_MOVE_EXCL = 1;
    /// <summary>KEYCTL_CAPABILITIES' bytes: capabilities, invalidate, restrict, move; namespaced names and tags.</summary>
    static readonly byte[] Capabilities = [0x01 | 0x20 | 0x40 | 0x80, 0x01 | 0x02];
    /// <summary>Key type names are short (Linux copies at most 32 bytes); descriptions at most 4 KiB.</summary>
    const int TypeMax = 32, DescMax = 4096;
    /// <summary>add_key's payload limit (1 MiB - 1), a user key's (32767), update's (a page).</summary>
    const ulong AddPayloadMax = 1024 * 1024 - 1, UserPayloadMax = 32767, UpdatePayloadMax = 4096;

    [Flags]
    enum Lookup { None = 0, Create = 1, Partial = 2, ForUnlink = 4 }
    /// <summary>lookup_user_key's need for callers that check themselves (KEY_DEFER_PERM_CHECK).</summary>
    const uint Deferred = 0;

    public static void Register(SyscallHandler?[] t)
    {
        t[Nr.add_key] = (k, type, desc, payload, plen, ring, _) => Locked(k, () => AddKey(k, type, desc, payload, plen, (int)ring));
        t[Nr.request_key] = (k, type, desc, callout, dest, _, _) => Locked(k, () => RequestKey(k, type, desc, callout, (int)dest));
        t[Nr.keyctl] = (k, op, a2, a3, a4, a5, _) => Locked(k, () => Keyctl(k, (int)op, a2, a3, a4, a5));
    }

    static long Locked(Task t, Func<long> f)
    {
        lock (t.Kernel.Keys.Lock) return f();
    }

    static KeyService Svc(Task t) => t.Kernel.Keys;

    /// <summary>A keyring the task gets by a special id (made on demand, with Linux's names and permissions).</summary>
    static Key NewKeyring(Task t, string name, uint userBits, out Errno e)
    {
        e = Svc(t).Alloc(t.Creds, KeyType.Keyring, LinuxText.Encode(name), Key.ALL << Key.PosShift | userBits << Key.UsrShift, [], out var k);
        return k;
    }

    /// <summary>The thread or process keyring in slot: ENOKEY when there is none, unless asked to create it.</summary>
    static Errno OwnKeyring(Task t, ref Key? slot, string name, Lookup flags, out Key key)
    {
        key = null!;
        if (slot == null)
        {
            if ((flags & Lookup.Create) == 0) return Errno.ENOKEY;
            slot = NewKeyring(t, name, Key.VIEW, out var e);
            if (e != Errno.None) return e;
        }
        key = slot;
        return Errno.None;
    }

    /// <summary>Linux's lookup_user_key: the key an id names, whether the caller possesses it, after the state and
    /// permission checks (need 0: the caller checks).</summary>
    static Errno LookupKey(Task t, int id, Lookup flags, uint need, out Key key, out bool possessed)
    {
        var svc = Svc(t);
        var c = t.Creds;
        key = null!;
        possessed = true;
        Errno e = Errno.None;
        switch (id)
        {
            case KEY_SPEC_THREAD_KEYRING:
                e = OwnKeyring(t, ref c.ThreadKeyring, "_tid", flags, out key);
                if (e != Errno.None) return e;
                break;
            case KEY_SPEC_PROCESS_KEYRING:
                e = OwnKeyring(t, ref c.ProcessKeyring, "_pid", flags, out key);
                if (e != Errno.None) return e;
                break;
            case KEY_SPEC_SESSION_KEYRING:
                // A task without one takes its user-session keyring as its session (or a new one, asked to create).
                var userSession = svc.UserKeyrings(c).UserSession;
                if (c.SessionKeyring == null || c.SessionKeyring == userSession && (flags & Lookup.Create) != 0)
                {
                    if ((flags & Lookup.Create) != 0)
                    {
                        e = svc.JoinAnonymous(c);
                        if (e != Errno.None) return e;
                    }
                    else c.SessionKeyring = userSession;
                }
                key = c.SessionKeyring;
                break;
            case KEY_SPEC_USER_KEYRING:
                key = svc.UserKeyrings(c).User;
                break;
            case KEY_SPEC_USER_SESSION_KEYRING:
                key = svc.UserKeyrings(c).UserSession;
                break;
            case KEY_SPEC_GROUP_KEYRING:
                return Errno.EINVAL;
            case KEY_SPEC_REQKEY_AUTH_KEY or KEY_SPEC_REQUESTOR_KEYRING:
                return Errno.ENOKEY; // no request-key authority: the sandbox runs no construction upcall
            default:
                if (id < 1) return Errno.EINVAL;
                key = svc.BySerial(id)!;
                if (key == null) return Errno.ENOKEY;
                possessed = svc.Possessed(key, c);
                break;
        }
        if ((flags & Lookup.ForUnlink) == 0)
        {
            if (key.Revoked) return Errno.EKEYREVOKED;
            if (key.Expired) return Errno.EKEYEXPIRED;
        }
        if (need != Deferred && !KeyService.Permitted(key, c, possessed, need)) return Errno.EACCES;
        return Errno.None;
    }

    static Errno ReadType(Task t, ulong addr, out KeyType type, out byte[] name)
    {
        type = default;
        var e = t.Mem.ReadCString(addr, TypeMax - 1, out name);
        if (e == Errno.ENAMETOOLONG) return Errno.EINVAL;
        if (e != Errno.None) return e;
        if (name.Length == 0) return Errno.EINVAL;
        return Errno.None;
    }

    static KeyType? TypeOf(byte[] name) => LinuxText.Decode(name) switch
    {
        "keyring" => KeyType.Keyring, "user" => KeyType.User, "logon" => KeyType.Logon, _ => null,
    };

    static Errno ReadDesc(Task t, ulong addr, out byte[] desc)
    {
        var e = t.Mem.ReadCString(addr, DescMax - 1, out desc);
        return e == Errno.ENAMETOOLONG ? Errno.EINVAL : e;
    }

    static Errno ReadPayload(Task t, ulong addr, ulong len, out byte[] payload)
    {
        payload = [];
        if (len == 0) return Errno.None;
        payload = new byte[len];
        return addr != 0 && t.Mem.Read(addr, payload) ? Errno.None : Errno.EFAULT;
    }

    /// <summary>What a type accepts as description and payload (Linux's preparse and vet_description).</summary>
    static Errno Vet(KeyType type, byte[]? desc, byte[] payload)
    {
        if (type == KeyType.Keyring) return payload.Length != 0 ? Errno.EINVAL : desc == null ? Errno.EINVAL : Errno.None;
        if (payload.Length == 0 || (ulong)payload.Length > UserPayloadMax) return Errno.EINVAL;
        if (desc == null) return Errno.EINVAL;
        // A logon key's description names its service: "service:name".
        if (type == KeyType.Logon && desc.AsSpan().IndexOf((byte)':') <= 0) return Errno.EINVAL;
        return Errno.None;
    }

    static long AddKey(Task t, ulong typeAddr, ulong descAddr, ulong payloadAddr, ulong plen, int ringId)
    {
        if (plen > AddPayloadMax) return Err(Errno.EINVAL);
        var e = ReadType(t, typeAddr, out _, out var typeName);
        if (e != Errno.None) return Err(e);
        byte[]? desc = null;
        if (descAddr != 0)
        {
            e = ReadDesc(t, descAddr, out var d);
            if (e != Errno.None) return Err(e);
            if (d.Length > 0) desc = d;
            if (desc != null && desc[0] == (byte)'.' && LinuxText.Decode(typeName).StartsWith("keyring", StringComparison.Ordinal)) return Err(Errno.EPERM);
        }
        e = ReadPayload(t, payloadAddr, plen, out var payload);
        if (e != Errno.None) return Err(e);
        e = LookupKey(t, ringId, Lookup.Create, Key.WRITE, out var ring, out _);
        if (e != Errno.None) return Err(e);
        if (TypeOf(typeName) is not { } type) return Err(Errno.ENODEV);
        if (!ring.IsKeyring) return Err(Errno.ENOTDIR);
        e = Vet(type, desc, payload);
        if (e != Errno.None) return Err(e);
        if (ring.Restricted) return Err(Errno.EPERM);
        var svc = Svc(t);
        // A key of the same type and description in the keyring is updated in place (keyrings are replaced).
        if (type != KeyType.Keyring && ring.Links.Find(l => l.Type == type && l.Description.AsSpan().SequenceEqual(desc)) is { } old
            && !old.Revoked && !old.Invalidated)
        {
            if (!KeyService.Permitted(old, t.Creds, svc.Possessed(old, t.Creds), Key.WRITE)) return Err(Errno.EACCES);
            e = svc.Recharge(old, payload);
            return e != Errno.None ? Err(e) : old.Serial;
        }
        // Linux's KEY_PERM_UNDEF: the possessor all but what the type cannot do, the owner view.
        uint pos = Key.VIEW | Key.SEARCH | Key.LINK | Key.SETATTR | Key.WRITE | (type == KeyType.Logon ? 0 : Key.READ);
        e = svc.Alloc(t.Creds, type, desc!, pos << Key.PosShift | Key.VIEW << Key.UsrShift, type == KeyType.Keyring ? [] : payload, out var key);
        if (e != Errno.None) return Err(e);
        KeyService.Link(ring, key);
        return key.Serial;
    }

    static long RequestKey(Task t, ulong typeAddr, ulong descAddr, ulong callout, int destId)
    {
        var e = ReadType(t, typeAddr, out _, out var typeName);
        if (e != Errno.None) return Err(e);
        e = ReadDesc(t, descAddr, out var desc);
        if (e != Errno.None) return Err(e);
        if (callout != 0)
        {
            e = ReadDesc(t, callout, out _);
            if (e != Errno.None) return Err(e);
        }
        e = DestKeyring(t, destId, out var dest);
        if (e != Errno.None) return Err(e);
        if (TypeOf(typeName) is not { } type) return Err(Errno.ENOKEY);
        if (type == KeyType.Keyring && desc.Length > 0 && desc[0] == (byte)'.') return Err(Errno.EPERM);
        var svc = Svc(t);
        Errno why = Errno.ENOKEY;
        foreach (var root in svc.Roots(t.Creds))
        {
            if (root.Revoked || !KeyService.Permitted(root, t.Creds, true, Key.SEARCH)) continue;
            if (svc.Search(root, type, desc, t.Creds, true, out var w) is { } found)
            {
                if (dest != null) { if (dest.Restricted) return Err(Errno.EPERM); KeyService.Link(dest, found); }
                return found.Serial;
            }
            if (why == Errno.ENOKEY) why = w;
        }
        // Constructing a key runs /sbin/request-key, which the sandbox does not: nothing can be made.
        return Err(why);
    }

    static long Keyctl(Task t, int op, ulong a2, ulong a3, ulong a4, ulong a5)
    {
        var svc = Svc(t);
        var c = t.Creds;
        Errno e;
        switch (op)
        {
            case KEYCTL_GET_KEYRING_ID:
                e = LookupKey(t, (int)a2, a3 != 0 ? Lookup.Create : Lookup.None, Key.SEARCH, out var k, out _);
                return e != Errno.None ? Err(e) : k.Serial;
            case KEYCTL_JOIN_SESSION_KEYRING:
                return JoinSession(t, a2);
            case KEYCTL_UPDATE:
            {
                if (a4 > UpdatePayloadMax) return Err(Errno.EINVAL);
                e = ReadPayload(t, a3, a4, out var payload);
                if (e != Errno.None) return Err(e);
                e = LookupKey(t, (int)a2, Lookup.None, Key.WRITE, out k, out _);
                if (e != Errno.None) return Err(e);
                if (k.IsKeyring) return Err(Errno.EOPNOTSUPP);
                e = Vet(k.Type, k.Description, payload);
                if (e != Errno.None) return Err(e);
                e = svc.Recharge(k, payload);
                return e != Errno.None ? Err(e) : 0;
            }
            case KEYCTL_REVOKE:
                e = LookupKey(t, (int)a2, Lookup.None, Key.WRITE, out k, out _);
                if (e == Errno.EACCES) e = LookupKey(t, (int)a2, Lookup.None, Key.SETATTR, out k, out _);
                if (e != Errno.None) return Err(e);
                k.Revoked = true;
                return 0;
            case KEYCTL_CHOWN:
                return Chown(t, (int)a2, (uint)a3, (uint)a4);
            case KEYCTL_SETPERM:
                if (((uint)a3 & ~Key.PermMask) != 0) return Err(Errno.EINVAL);
                e = LookupKey(t, (int)a2, Lookup.Create | Lookup.Partial, Key.SETATTR, out k, out _);
                if (e != Errno.None) return Err(e);
                if (k.Uid != c.Fsuid && !c.Has(Credentials.CAP_SYS_ADMIN)) return Err(Errno.EACCES);
                k.Perm = (uint)a3;
                return 0;
            case KEYCTL_DESCRIBE:
            {
                e = LookupKey(t, (int)a2, Lookup.Partial, Key.VIEW, out k, out _);
                if (e != Errno.None) return Err(e);
                var ns = c.UserNs;
                uint gid = k.Gid == Key.NoGid ? UserNamespace.OverflowId : ns.GidToUser(k.Gid);
                var text = LinuxText.Encode($"{k.TypeName};{ns.UidToUser(k.Uid)};{gid};{k.Perm:x8};")
                    .Concat(k.Description).Append((byte)0).ToArray();
                return CopyOut(t, a3, a4, text, all: true);
            }
            case KEYCTL_CLEAR:
                e = LookupKey(t, (int)a2, Lookup.Create, Key.WRITE, out k, out _);
                if (e != Errno.None) return Err(e);
                if (!k.IsKeyring) return Err(Errno.ENOTDIR);
                k.Links.Clear();
                return 0;
            case KEYCTL_LINK:
            {
                e = LookupKey(t, (int)a3, Lookup.Create, Key.WRITE, out var ring, out _);
                if (e != Errno.None) return Err(e);
                e = LookupKey(t, (int)a2, Lookup.Create, Key.LINK, out k, out _);
                if (e != Errno.None) return Err(e);
                return LinkInto(ring, k);
            }
            case KEYCTL_UNLINK:
            {
                e = LookupKey(t, (int)a3, Lookup.None, Key.WRITE, out var ring, out _);
                if (e != Errno.None) return Err(e);
                e = LookupKey(t, (int)a2, Lookup.Partial | Lookup.ForUnlink, Deferred, out k, out _);
                if (e != Errno.None) return Err(e);
                if (!ring.IsKeyring) return Err(Errno.ENOTDIR);
                return ring.Links.Remove(k) ? 0 : Err(Errno.ENOENT);
            }
            case KEYCTL_SEARCH:
                return Search(t, (int)a2, a3, a4, (int)a5);
            case KEYCTL_READ:
            {
                e = LookupKey(t, (int)a2, Lookup.None, Deferred, out k, out bool possessed);
                if (e != Errno.None) return Err(e);
                if (k.Type == KeyType.Logon) return Err(Errno.EOPNOTSUPP);
                if (!KeyService.Permitted(k, c, possessed, Key.READ) && !possessed) return Err(Errno.EACCES);
                byte[] data = k.IsKeyring
                    ? k.Links.Where(l => !l.Invalidated).SelectMany(l => BitConverter.GetBytes(l.Serial)).ToArray()
                    : k.Payload;
                return CopyOut(t, a3, a4, data, all: true);
            }
            case KEYCTL_INSTANTIATE or KEYCTL_NEGATE or KEYCTL_REJECT or KEYCTL_INSTANTIATE_IOV:
                return Err(Errno.EPERM); // only the holder of an instantiation authority may, and nobody holds one
            case KEYCTL_SET_REQKEY_KEYRING:
                return SetReqkeyKeyring(t, (int)a2);
            case KEYCTL_SET_TIMEOUT:
                e = LookupKey(t, (int)a2, Lookup.Create | Lookup.Partial, Key.SETATTR, out k, out _);
                if (e != Errno.None) return Err(e);
                k.ExpiresAt = a3 == 0 ? 0 : Environment.TickCount64 + (long)Math.Min((uint)a3, int.MaxValue) * 1000;
                return 0;
            case KEYCTL_ASSUME_AUTHORITY:
                return (int)a2 == 0 ? 0 : (int)a2 < 0 ? Err(Errno.EINVAL) : Err(Errno.ENOKEY);
            case KEYCTL_GET_SECURITY:
                // No security module labels keys: the label is the empty string.
                e = LookupKey(t, (int)a2, Lookup.Partial, Key.VIEW, out _, out _);
                if (e != Errno.None) return Err(e);
                return CopyOut(t, a3, a4, [0], all: false);
            case KEYCTL_SESSION_TO_PARENT:
                return SessionToParent(t);
            case KEYCTL_INVALIDATE:
                e = LookupKey(t, (int)a2, Lookup.None, Key.SEARCH, out k, out _);
                if (e != Errno.None) return Err(e);
                svc.Invalidate(k);
                return 0;
            case KEYCTL_RESTRICT_KEYRING:
            {
                e = LookupKey(t, (int)a2, Lookup.None, Key.SETATTR, out k, out _);
                if (e != Errno.None) return Err(e);
                // Only the "no more links" restriction: a type's restriction checks signatures the sandbox has no keys for.
                if (a3 != 0) return Err(Errno.EOPNOTSUPP);
                if (a4 != 0) return Err(Errno.EINVAL);
                if (!k.IsKeyring) return Err(Errno.ENOTDIR);
                if (k.Restricted) return Err(Errno.EEXIST);
                k.Restricted = true;
                return 0;
            }
            case KEYCTL_MOVE:
                return Move(t, (int)a2, (int)a3, (int)a4, (uint)a5);
            case KEYCTL_CAPABILITIES:
                return CopyOut(t, a2, a3, Capabilities, all: false);
            default:
                // Persistent keyrings, Diffie-Hellman, public-key operations, notifications: not built in.
                return Err(Errno.EOPNOTSUPP);
        }
    }

    /// <summary>Copies a result out: DESCRIBE and READ copy only when all of it fits, the others as much as fits;
    /// each returns the whole length.</summary>
    static long CopyOut(Task t, ulong buf, ulong len, byte[] data, bool all)
    {
        if (buf != 0 && len > 0)
        {
            if (all && len < (ulong)data.Length) return data.Length;
            int n = (int)Math.Min(len, (ulong)data.Length);
            if (!t.Mem.Write(buf, data.AsSpan(0, n))) return Err(Errno.EFAULT);
        }
        return data.Length;
    }

    static long LinkInto(Key ring, Key k)
    {
        if (!ring.IsKeyring) return Err(Errno.ENOTDIR);
        if (ring.Restricted) return Err(Errno.EPERM);
        var e = KeyService.CheckCycle(ring, k);
        if (e != Errno.None) return Err(e);
        KeyService.Link(ring, k);
        return 0;
    }

    /// <summary>Linux's join_session_keyring: a new anonymous keyring, or the named one the caller may search (a new
    /// one by that name if none); rejoining the current one is 0.</summary>
    static long JoinSession(Task t, ulong nameAddr)
    {
        var svc = Svc(t);
        var c = t.Creds;
        Errno e;
        if (nameAddr == 0)
        {
            e = svc.JoinAnonymous(c);
            return e != Errno.None ? Err(e) : c.SessionKeyring!.Serial;
        }
        e = ReadDesc(t, nameAddr, out var name);
        if (e != Errno.None) return Err(e);
        var ring = svc.NamedKeyring(name, c);
        if (ring == null)
        {
            e = svc.Alloc(c, KeyType.Keyring, name, Key.ALL << Key.PosShift | (Key.VIEW | Key.READ | Key.LINK) << Key.UsrShift, [], out ring);
            if (e != Errno.None) return Err(e);
        }
        else if (ring == c.SessionKeyring) return 0;
        c.SessionKeyring = ring;
        return ring.Serial;
    }

    static long Chown(Task t, int id, uint uid, uint gid)
    {
        if (uid == uint.MaxValue && gid == uint.MaxValue) return 0;
        var c = t.Creds;
        uint kuid = uid == uint.MaxValue ? uid : c.UserNs.UidFromUser(uid);
        uint kgid = gid == uint.MaxValue ? gid : c.UserNs.GidFromUser(gid);
        if (uid != uint.MaxValue && kuid == IdMap.Invalid) return Err(Errno.EINVAL);
        if (gid != uint.MaxValue && kgid == IdMap.Invalid) return Err(Errno.EINVAL);
        var e = LookupKey(t, id, Lookup.Create | Lookup.Partial, Key.SETATTR, out var k, out _);
        if (e != Errno.None) return Err(e);
        if (!c.Has(Credentials.CAP_SYS_ADMIN))
        {
            if (uid != uint.MaxValue && k.Uid != kuid) return Err(Errno.EACCES);
            if (gid != uint.MaxValue && kgid != k.Gid && !c.InGroup(kgid)) return Err(Errno.EACCES);
        }
        if (uid != uint.MaxValue && kuid != k.Uid)
        {
            e = Svc(t).Transfer(k, kuid);
            if (e != Errno.None) return Err(e);
        }
        if (gid != uint.MaxValue) k.Gid = kgid;
        return 0;
    }

    /// <summary>request_key's and KEYCTL_SEARCH's optional keyring to link the key found into (0: none), looked up
    /// (and made, for a special id) before the search, with write permission.</summary>
    static Errno DestKeyring(Task t, int destId, out Key? dest)
    {
        dest = null;
        return destId == 0 ? Errno.None : LookupKey(t, destId, Lookup.Create, Key.WRITE, out dest, out _);
    }

    static long Search(Task t, int ringId, ulong typeAddr, ulong descAddr, int destId)
    {
        var e = ReadType(t, typeAddr, out _, out var typeName);
        if (e != Errno.None) return Err(e);
        e = ReadDesc(t, descAddr, out var desc);
        if (e != Errno.None) return Err(e);
        e = LookupKey(t, ringId, Lookup.None, Key.SEARCH, out var ring, out bool possessed);
        if (e != Errno.None) return Err(e);
        e = DestKeyring(t, destId, out var dest);
        if (e != Errno.None) return Err(e);
        if (TypeOf(typeName) is not { } type) return Err(Errno.ENOKEY);
        if (!ring.IsKeyring) return Err(Errno.ENOTDIR);
        var found = Svc(t).Search(ring, type, desc, t.Creds, possessed, out var why);
        if (found == null) return Err(why);
        if (dest != null)
        {
            if (!KeyService.Permitted(found, t.Creds, Svc(t).Possessed(found, t.Creds), Key.LINK)) return Err(Errno.EACCES);
            long r = LinkInto(dest, found);
            if (r < 0) return r;
        }
        return found.Serial;
    }

    static long Move(Task t, int id, int fromId, int toId, uint flags)
    {
        if ((flags & ~KEYCTL_MOVE_EXCL) != 0) return Err(Errno.EINVAL);
        var e = LookupKey(t, id, Lookup.Create, Key.LINK, out var k, out _);
        if (e != Errno.None) return Err(e);
        e = LookupKey(t, fromId, Lookup.None, Key.WRITE, out var from, out _);
        if (e != Errno.None) return Err(e);
        e = LookupKey(t, toId, Lookup.Create, Key.WRITE, out var to, out _);
        if (e != Errno.None) return Err(e);
        if (!from.IsKeyring || !to.IsKeyring) return Err(Errno.ENOTDIR);
        if (from == to) return 0;
        if (!from.Links.Contains(k)) return Err(Errno.ENOENT);
        if ((flags & KEYCTL_MOVE_EXCL) != 0 && to.Links.Exists(l => l.SameIndex(k))) return Err(Errno.EEXIST);
        long r = LinkInto(to, k);
        if (r < 0) return r;
        from.Links.Remove(k);
        return 0;
    }

    static long SetReqkeyKeyring(Task t, int which)
    {
        var c = t.Creds;
        int old = c.ReqkeyDefault;
        if (which == KEY_REQKEY_DEFL_NO_CHANGE) return old;
        if (which < 0 || which > KEY_REQKEY_DEFL_REQUESTOR_KEYRING || which == KEY_REQKEY_DEFL_GROUP_KEYRING) return Err(Errno.EINVAL);
        // The thread and process keyrings are made as the default is set to them.
        int spec = which == KEY_REQKEY_DEFL_THREAD_KEYRING ? KEY_SPEC_THREAD_KEYRING
            : which == KEY_REQKEY_DEFL_PROCESS_KEYRING ? KEY_SPEC_PROCESS_KEYRING : 0;
        if (spec != 0)
        {
            var e = LookupKey(t, spec, Lookup.Create, Deferred, out _, out _);
            if (e != Errno.None) return Err(e);
        }
        c.ReqkeyDefault = which;
        return old;
    }

    /// <summary>The caller's session keyring becomes its parent's (Linux applies it as the parent next returns to
    /// user space; the Sentry sets it at once). The parent must have the caller's ids, and not be init.</summary>
    static long SessionToParent(Task t)
    {
        var c = t.Creds;
        var ring = Svc(t).Session(c);
        if (!KeyService.Permitted(ring, c, true, Key.LINK)) return Err(Errno.EACCES);
        var parent = t.Parent;
        if (parent == null || parent.Tgid == 1 && parent.PidNs.IsRoot) return Err(Errno.EPERM);
        var pc = parent.Creds;
        if (pc.Uid != c.Euid || pc.Euid != c.Euid || pc.Suid != c.Euid || pc.Gid != c.Egid || pc.Egid != c.Egid || pc.Sgid != c.Egid)
            return Err(Errno.EPERM);
        var ps = Svc(t).Session(pc);
        if (ps.Uid != c.Euid && pc.SessionKeyring != null) return Err(Errno.EPERM);
        pc.SessionKeyring = ring;
        return 0;
    }
}
