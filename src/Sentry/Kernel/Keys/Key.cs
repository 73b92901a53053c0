namespace AppKernel.Sentry.Kernel.Keys;

/// <summary>The key types the sandbox's key service knows (Linux's "keyring", "user" and "logon").</summary>
public enum KeyType { Keyring, User, Logon }

/// <summary>
/// One key of the sandbox-local key service: a keyring (its payload is the keys it links) or a user/logon key (its
/// payload is bytes). Permissions are Linux's 32-bit mask: possessor, user, group and other bytes of six bits each.
/// </summary>
public sealed class Key
{
    public const uint VIEW = 0x01, READ = 0x02, WRITE = 0x04, SEARCH = 0x08, LINK = 0x10, SETATTR = 0x20, ALL = 0x3f;
    public const int PosShift = 24, UsrShift = 16, GrpShift = 8;
    /// <summary>Every bit a mask may hold (KEY_POS_ALL | KEY_USR_ALL | KEY_GRP_ALL | KEY_OTH_ALL).</summary>
    public const uint PermMask = 0x3f3f3f3f;
    /// <summary>gid of a key without a group (INVALID_GID), shown as the overflow gid.</summary>
    public const uint NoGid = uint.MaxValue;

    public int Serial { get; init; }
    public KeyType Type { get; init; }
    public string TypeName => Type switch { KeyType.Keyring => "keyring", KeyType.User => "user", _ => "logon" };
    public byte[] Description { get; init; } = [];
    /// <summary>Owner (kuid, kgid).</summary>
    public uint Uid, Gid;
    public uint Perm;
    public byte[] Payload = [];
    /// <summary>A keyring's links, in the order they were made.</summary>
    public readonly List<Key> Links = new();
    public bool Revoked, Invalidated;
    /// <summary>A keyring restricted by KEYCTL_RESTRICT_KEYRING to take no more links.</summary>
    public bool Restricted;
    /// <summary>Expiry as Environment.TickCount64 (0: none).</summary>
    public long ExpiresAt;
    /// <summary>A user's keyrings (_uid.N, _uid_ses.N): found only as such, never joined by name.</summary>
    public bool UidKeyring;
    /// <summary>What the owner's quota was charged for it.</summary>
    public int QuotaBytes;

    public bool IsKeyring => Type == KeyType.Keyring;
    public bool Expired => ExpiresAt != 0 && Environment.TickCount64 >= ExpiresAt;
    public bool SameIndex(Key o) => o.Type == Type && o.Description.AsSpan().SequenceEqual(Description);
}
