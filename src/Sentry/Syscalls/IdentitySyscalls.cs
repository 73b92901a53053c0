using AppKernel.Sentry.Kernel;
using static AppKernel.Sentry.Syscalls.SyscallTable;

namespace AppKernel.Sentry.Syscalls;

/// <summary>set*id with Linux's rules: privileged (euid 0) callers may set anything, others only swap among their ids.</summary>
static class Ids
{
    const uint Keep = uint.MaxValue;

    static bool Privileged(Task t) => t.Creds.Euid == 0;

    public static long SetUid(Task t, uint id)
    {
        var c = t.Creds;
        if (id == Keep) return Err(Errno.EINVAL);
        if (Privileged(t)) { c.Uid = c.Euid = c.Suid = c.Fsuid = id; return 0; }
        if (id != c.Uid && id != c.Suid) return Err(Errno.EPERM);
        c.Euid = c.Fsuid = id;
        return 0;
    }

    public static long SetGid(Task t, uint id)
    {
        var c = t.Creds;
        if (id == Keep) return Err(Errno.EINVAL);
        if (Privileged(t)) { c.Gid = c.Egid = c.Sgid = c.Fsgid = id; return 0; }
        if (id != c.Gid && id != c.Sgid) return Err(Errno.EPERM);
        c.Egid = c.Fsgid = id;
        return 0;
    }

    public static long SetRes(Task t, uint r, uint e, uint s, bool group)
    {
        var c = t.Creds;
        uint cr = group ? c.Gid : c.Uid, ce = group ? c.Egid : c.Euid, cs = group ? c.Sgid : c.Suid;
        bool Allowed(uint v) => v == Keep || Privileged(t) || v == cr || v == ce || v == cs;
        if (!Allowed(r) || !Allowed(e) || !Allowed(s)) return Err(Errno.EPERM);
        if (r != Keep) cr = r;
        if (e != Keep) ce = e;
        if (s != Keep) cs = s;
        if (group) { c.Gid = cr; c.Egid = ce; c.Sgid = cs; c.Fsgid = ce; }
        else { c.Uid = cr; c.Euid = ce; c.Suid = cs; c.Fsuid = ce; }
        return 0;
    }

    public static long SetFs(Task t, uint id, bool group)
    {
        var c = t.Creds;
        uint old = group ? c.Fsgid : c.Fsuid;
        bool ok = id != Keep && (Privileged(t) || (group ? id == c.Gid || id == c.Egid || id == c.Sgid : id == c.Uid || id == c.Euid || id == c.Suid));
        if (ok) { if (group) c.Fsgid = id; else c.Fsuid = id; }
        return old;
    }

    public static long SetGroups(Task t, long n, ulong list)
    {
        if (n < 0 || n > 65536) return Err(Errno.EINVAL);
        if (!Privileged(t)) return Err(Errno.EPERM);
        var g = new uint[n];
        for (int i = 0; i < n; i++)
            if (!t.Mem.Read(list + (ulong)(4 * i), out g[i])) return Err(Errno.EFAULT);
        t.Creds.Groups = g;
        return 0;
    }

    public static long Capget(Task t, ulong hdr, ulong data)
    {
        if (!t.Mem.Read(hdr, out uint version)) return Err(Errno.EFAULT);
        if (version != 0x20080522 && version != 0x20071026 && version != 0x19980330)
        {
            t.Mem.Write(hdr, 0x20080522u);
            return data == 0 ? 0 : Err(Errno.EINVAL);
        }
        if (data == 0) return 0;
        uint caps = Privileged(t) ? 0xffffffffu : 0;
        uint caps1 = Privileged(t) ? 0x1ffu : 0;
        Span<CapUserData> d = stackalloc CapUserData[2]
        {
            new() { Effective = caps, Permitted = caps }, new() { Effective = caps1, Permitted = caps1 },
        };
        int count = version == 0x19980330 ? 1 : 2; // version 1 has 32 capabilities, 2 and 3 have 64
        return t.Mem.Write(data, System.Runtime.InteropServices.MemoryMarshal.AsBytes(d[..count])) ? 0 : Err(Errno.EFAULT);
    }
}
