namespace AppKernel.Sentry.Kernel.Keys;

/// <summary>
/// The sandbox's own key service (Linux's security/keys): every key by serial, the users' keyrings, per-user quotas,
/// and the checks every keyctl shares — possession (reachable from the caller's thread, process or session keyring
/// through searchable keyrings) and Linux's permission rule (owner, else group, else other, plus the possessor's
/// bits). Nothing reaches the host's keys. A key lives while a task's credentials hold it or a live keyring links
/// it; one nobody holds is gone (ENOKEY), as Linux's garbage collector makes it.
/// </summary>
public sealed class KeyService
{
    /// <summary>The per-user quotas, kernel.keys.maxkeys/maxbytes and root_maxkeys/root_maxbytes (Linux's defaults;
    /// root may change them through /proc/sys/kernel/keys). Read under Lock.</summary>
    public int MaxKeys = 200, MaxBytes = 20000, RootMaxKeys = 1000000, RootMaxBytes = 25000000;
    /// <summary>KEYRING_SEARCH_MAX_DEPTH.</summary>
    public const int MaxDepth = 6;
    /// <summary>Serials start above the special ids' magnitude (Linux: random, at least 3).</summary>
    const int MinSerial = 3;

    public readonly object Lock = new();
    readonly Dictionary<int, Key> _keys = new();
    readonly Dictionary<uint, (Key User, Key UserSession)> _userKeyrings = new();
    readonly Dictionary<uint, (int Keys, int Bytes)> _quota = new();
    readonly Kernel _kernel;

    public KeyService(Kernel k) => _kernel = k;

    /// <summary>A new key owned by creds, charged to its owner's quota (EDQUOT past it). Caller holds Lock.</summary>
    public Errno Alloc(Credentials creds, KeyType type, byte[] desc, uint perm, byte[] payload, out Key key, bool uidKeyring = false)
    {
        key = null!;
        uint uid = creds.Fsuid;
        int bytes = desc.Length + 1 + payload.Length;
        var (n, b) = _quota.GetValueOrDefault(uid);
        bool root = uid == 0;
        if (n + 1 > (root ? RootMaxKeys : MaxKeys) || b + bytes > (root ? RootMaxBytes : MaxBytes)) return Errno.EDQUOT;
        int serial;
        do serial = Random.Shared.Next(MinSerial, int.MaxValue); while (_keys.ContainsKey(serial));
        key = new Key
        {
            Serial = serial, Type = type, Description = desc, Uid = uid, Gid = uidKeyring ? Key.NoGid : creds.Fsgid,
            Perm = perm, Payload = payload, UidKeyring = uidKeyring, QuotaBytes = bytes,
        };
        _keys[serial] = key;
        _quota[uid] = (n + 1, b + bytes);
        return Errno.None;
    }

    /// <summary>Changes what a key's payload charges its owner (update); EDQUOT if over.</summary>
    public Errno Recharge(Key key, byte[] payload)
    {
        int bytes = key.Description.Length + 1 + payload.Length;
        var (n, b) = _quota.GetValueOrDefault(key.Uid);
        if (b - key.QuotaBytes + bytes > (key.Uid == 0 ? RootMaxBytes : MaxBytes) && bytes > key.QuotaBytes) return Errno.EDQUOT;
        _quota[key.Uid] = (n, b - key.QuotaBytes + bytes);
        key.QuotaBytes = bytes;
        key.Payload = payload;
        return Errno.None;
    }

    /// <summary>A user's keyring and user-session keyring (_uid.N, _uid_ses.N), made on first use.</summary>
    public (Key User, Key UserSession) UserKeyrings(Credentials creds)
    {
        uint uid = creds.Uid;
        if (_userKeyrings.TryGetValue(uid, out var rings)) return rings;
        uint perm = Key.ALL << Key.PosShift | Key.ALL << Key.UsrShift;
        var owner = creds.Fork();
        owner.Fsuid = uid;
        uint shown = creds.UserNs.UidToUser(uid);
        Alloc(owner, KeyType.Keyring, LinuxText.Encode($"_uid.{shown}"), perm, [], out var user, uidKeyring: true);
        Alloc(owner, KeyType.Keyring, LinuxText.Encode($"_uid_ses.{shown}"), perm, [], out var ses, uidKeyring: true);
        if (user != null && ses != null) ses.Links.Add(user);
        rings = (user!, ses!);
        _userKeyrings[uid] = rings;
        return rings;
    }

    /// <summary>A new anonymous session keyring ("_ses") becomes the caller's (KEYCTL_JOIN_SESSION_KEYRING without a
    /// name; a container's first process starts in one, as runc puts it).</summary>
    public Errno JoinAnonymous(Credentials c)
    {
        lock (Lock)
        {
            var e = Alloc(c, KeyType.Keyring, LinuxText.Encode("_ses"), Key.ALL << Key.PosShift | (Key.VIEW | Key.READ) << Key.UsrShift, [], out var k);
            if (e == Errno.None) c.SessionKeyring = k;
            return e;
        }
    }

    /// <summary>The caller's session keyring: its own, else its user-session keyring.</summary>
    public Key Session(Credentials c) => c.SessionKeyring ?? UserKeyrings(c).UserSession;

    /// <summary>Linux's key_task_permission: need's bits must all be granted.</summary>
    public static bool Permitted(Key key, Credentials c, bool possessed, uint need)
    {
        uint k;
        if (key.Uid == c.Fsuid) k = key.Perm >> Key.UsrShift;
        else if (key.Gid != Key.NoGid && (key.Perm & Key.ALL << Key.GrpShift) != 0 && c.InGroup(key.Gid)) k = key.Perm >> Key.GrpShift;
        else k = key.Perm;
        if (possessed) k |= key.Perm >> Key.PosShift;
        return (k & need & Key.ALL) == need;
    }

    /// <summary>The keyrings a search from the caller starts at (thread, process, session), each possessed.</summary>
    public IEnumerable<Key> Roots(Credentials c)
    {
        if (c.ThreadKeyring is { } t) yield return t;
        if (c.ProcessKeyring is { } p) yield return p;
        yield return Session(c);
    }

    /// <summary>Whether the caller possesses key: it is, or is linked under, one of its roots, through keyrings it may
    /// search (with the possessor's rights), and may itself be searched.</summary>
    public bool Possessed(Key key, Credentials c)
    {
        foreach (var root in Roots(c))
            if (Usable(root) && Permitted(root, c, true, Key.SEARCH) && Reaches(root, key, c, 0)) return true;
        return false;
    }

    bool Reaches(Key ring, Key target, Credentials c, int depth)
    {
        if (ring == target) return true;
        if (depth >= MaxDepth) return false;
        foreach (var l in ring.Links)
        {
            if (!Usable(l) || !Permitted(l, c, true, Key.SEARCH)) continue;
            if (l == target || l.IsKeyring && Reaches(l, target, c, depth + 1)) return true;
        }
        return false;
    }

    static bool Usable(Key k) => !k.Revoked && !k.Invalidated && !k.Expired;

    /// <summary>The first key of type and description found under ring (depth first, as Linux's nested search), with
    /// the possessor's rights if possessed; a revoked or expired match is remembered as the error if nothing better.</summary>
    public Key? Search(Key ring, KeyType type, byte[] desc, Credentials c, bool possessed, out Errno why)
    {
        why = Errno.ENOKEY;
        return SearchIn(ring, type, desc, c, possessed, 0, ref why);
    }

    Key? SearchIn(Key ring, KeyType type, byte[] desc, Credentials c, bool possessed, int depth, ref Errno why)
    {
        foreach (var l in ring.Links)
        {
            if (l.Invalidated || l.Type != type || !l.Description.AsSpan().SequenceEqual(desc)) continue;
            if (!Permitted(l, c, possessed, Key.SEARCH)) { why = Errno.EACCES; continue; }
            if (l.Revoked) { why = Errno.EKEYREVOKED; continue; }
            if (l.Expired) { why = Errno.EKEYEXPIRED; continue; }
            return l;
        }
        if (depth >= MaxDepth) return null;
        foreach (var l in ring.Links)
            if (l.IsKeyring && Usable(l) && Permitted(l, c, possessed, Key.SEARCH)
                && SearchIn(l, type, desc, c, possessed, depth + 1, ref why) is { } found)
                return found;
        return null;
    }

    /// <summary>A key by serial while someone holds it (ENOKEY otherwise, as Linux's key_lookup).</summary>
    public Key? BySerial(int serial)
    {
        if (!_keys.TryGetValue(serial, out var k)) return null;
        if (k.Invalidated || !Alive(k)) { Drop(k); return null; }
        return k;
    }

    /// <summary>A keyring named name that creds may search as its owner (Linux's find_keyring_by_name).</summary>
    public Key? NamedKeyring(byte[] name, Credentials c)
    {
        foreach (var k in _keys.Values)
            if (k.IsKeyring && !k.UidKeyring && !k.Revoked && !k.Invalidated && k.Description.AsSpan().SequenceEqual(name)
                && (name.Length == 0 || name[0] != (byte)'.') && Permitted(k, c, false, Key.SEARCH) && Alive(k))
                return k;
        return null;
    }

    /// <summary>Whether a live task's credentials hold key, or a live keyring links it (users' keyrings always live).</summary>
    bool Alive(Key key)
    {
        if (key.UidKeyring) return true;
        var seen = new HashSet<Key>();
        var todo = new Stack<Key>();
        foreach (var t in _kernel.Tasks())
        {
            if (t.Exited) continue;
            var c = t.Creds;
            foreach (var r in new[] { c.ThreadKeyring, c.ProcessKeyring, c.SessionKeyring })
                if (r != null && seen.Add(r)) todo.Push(r);
        }
        foreach (var (u, s) in _userKeyrings.Values) { if (seen.Add(u)) todo.Push(u); if (seen.Add(s)) todo.Push(s); }
        while (todo.Count > 0)
        {
            var k = todo.Pop();
            if (k == key) return true;
            foreach (var l in k.Links) if (seen.Add(l)) todo.Push(l);
        }
        return false;
    }

    /// <summary>A key nobody holds is gone: its serial is free and its quota given back.</summary>
    void Drop(Key k)
    {
        if (!_keys.Remove(k.Serial)) return;
        var (n, b) = _quota.GetValueOrDefault(k.Uid);
        _quota[k.Uid] = (Math.Max(0, n - 1), Math.Max(0, b - k.QuotaBytes));
        foreach (var ring in _keys.Values) if (ring.IsKeyring) ring.Links.Remove(k);
    }

    /// <summary>KEYCTL_INVALIDATE: the key is gone at once, unlinked from every keyring.</summary>
    public void Invalidate(Key k)
    {
        k.Invalidated = true;
        Drop(k);
    }

    /// <summary>Moves a key's quota charge to a new owner (chown).</summary>
    public Errno Transfer(Key k, uint uid)
    {
        var (n, b) = _quota.GetValueOrDefault(uid);
        bool root = uid == 0;
        if (n + 1 > (root ? RootMaxKeys : MaxKeys) || b + k.QuotaBytes > (root ? RootMaxBytes : MaxBytes)) return Errno.EDQUOT;
        var (on, ob) = _quota.GetValueOrDefault(k.Uid);
        _quota[k.Uid] = (Math.Max(0, on - 1), Math.Max(0, ob - k.QuotaBytes));
        _quota[uid] = (n + 1, b + k.QuotaBytes);
        k.Uid = uid;
        return Errno.None;
    }

    /// <summary>Whether linking key into ring would make a cycle (EDEADLK) or nest deeper than a search goes (ELOOP).</summary>
    public static Errno CheckCycle(Key ring, Key key)
    {
        if (!key.IsKeyring) return Errno.None;
        if (key == ring || Reaches(key, ring, 0)) return Errno.EDEADLK;
        return Errno.None;
    }

    static bool Reaches(Key from, Key to, int depth)
    {
        if (depth > MaxDepth) return false;
        foreach (var l in from.Links) if (l == to || l.IsKeyring && Reaches(l, to, depth + 1)) return true;
        return false;
    }

    /// <summary>Links key into ring, displacing a key of the same type and description (Linux's assoc array index).</summary>
    public static void Link(Key ring, Key key)
    {
        int i = ring.Links.FindIndex(l => l.SameIndex(key));
        if (i >= 0) ring.Links[i] = key; else ring.Links.Add(key);
    }
}
