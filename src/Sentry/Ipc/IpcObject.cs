using AppKernel.Sentry.Kernel;

namespace AppKernel.Sentry.Ipc;

/// <summary>
/// What every System V IPC object has (Linux's kern_ipc_perm): its key, id, owner, creator and mode, and the
/// permission rules of ipcperms (the owner's or creator's bits, then the group's, then the others'; CAP_IPC_OWNER
/// passes all) and of IPC_SET/IPC_RMID (the owner or creator, or CAP_SYS_ADMIN).
/// </summary>
public abstract class IpcObject
{
    public const int IPC_PRIVATE = 0;
    /// <summary>Mode bits a creator or IPC_SET gives (S_IRWXUGO).</summary>
    public const uint S_IRWXUGO = 0x1ff;
    public const int S_IRUGO = 0x124, S_IWUGO = 0x92;
    public const int CAP_IPC_OWNER = 15;

    public int Key;
    public int Id;
    public ushort Seq;
    public uint Uid, Gid, Cuid, Cgid, Mode;
    /// <summary>Set when the object is removed (IPC_RMID, or the last detach of a destroyed segment): a caller
    /// that found it before then answers EIDRM (Linux's ipc_valid_object).</summary>
    public bool Deleted;
    /// <summary>Last change (creation, IPC_SET, SETVAL …), in seconds since the epoch.</summary>
    public long Ctime;

    protected IpcObject(Task t, int key, int flags)
    {
        Key = key;
        Uid = Cuid = t.Creds.Euid;
        Gid = Cgid = t.Creds.Egid;
        Mode = (uint)flags & S_IRWXUGO;
        Ctime = Now();
    }

    public static long Now() => Syscalls.TimeSyscalls.Now(0).Sec;

    /// <summary>Linux's ipcperms: false when a requested bit (flag's rwx in any of the three places) is not granted.</summary>
    public bool MayAccess(Task t, int flag)
    {
        int requested = (flag >> 6) | (flag >> 3) | flag;
        uint granted = Mode;
        var c = t.Creds;
        if (c.Euid == Cuid || c.Euid == Uid) granted >>= 6;
        else if (c.InGroup(Cgid) || c.InGroup(Gid)) granted >>= 3;
        return (requested & ~granted & 7) == 0 || c.HasIn(t.Ns.Ipc.Owner, CAP_IPC_OWNER);
    }

    /// <summary>IPC_SET and IPC_RMID: the owner, the creator, or CAP_SYS_ADMIN.</summary>
    public bool MayControl(Task t) =>
        t.Creds.Euid == Cuid || t.Creds.Euid == Uid || t.Creds.HasIn(t.Ns.Ipc.Owner, Credentials.CAP_SYS_ADMIN);

    /// <summary>IPC_SET's ipc_update_perm: owner (ids of the caller's user namespace) and the permission bits; an
    /// id with no mapping (-1 among them) is EINVAL.</summary>
    public Errno UpdatePerm(Task t, in IpcPerm64 p)
    {
        uint uid = t.Creds.UserNs.UidFromUser(p.Uid), gid = t.Creds.UserNs.GidFromUser(p.Gid);
        if (uid == IdMap.Invalid || gid == IdMap.Invalid) return Errno.EINVAL;
        Uid = uid;
        Gid = gid;
        Mode = (Mode & ~S_IRWXUGO) | (p.Mode & S_IRWXUGO);
        Ctime = Now();
        return Errno.None;
    }

    /// <summary>The ipc64_perm IPC_STAT shows, its ids as the caller's user namespace sees them.</summary>
    public IpcPerm64 Perm(Task t)
    {
        var ns = t.Creds.UserNs;
        return new() { Key = Key, Uid = ns.UidToUser(Uid), Gid = ns.GidToUser(Gid), Cuid = ns.UidToUser(Cuid), Cgid = ns.GidToUser(Cgid), Mode = Mode, Seq = Seq };
    }
}
