using AppKernel.Sentry.Kernel;
using static AppKernel.Sentry.Syscalls.SyscallTable;

namespace AppKernel.Sentry.Syscalls;

/// <summary>set*id and capget/capset with Linux's rules: a caller with CAP_SETUID (CAP_SETGID for groups) may set
/// anything, others only swap among their ids; a uid change moves the capability sets as capabilities(7) says.</summary>
static class Ids
{
    const uint Keep = uint.MaxValue;

    static bool Privileged(Task t, bool group) => t.Creds.Has(group ? Credentials.CAP_SETGID : Credentials.CAP_SETUID);

    /// <summary>Runs a uid change and then the capability transition it implies.</summary>
    static long ChangingUids(Task t, Func<long> change)
    {
        var c = t.Creds;
        uint u = c.Uid, e = c.Euid, s = c.Suid, f = c.Fsuid;
        long r = change();
        c.AfterUidChange(u, e, s, f, t.KeepCaps);
        return r;
    }

    public static long SetUid(Task t, uint id) => ChangingUids(t, () =>
    {
        var c = t.Creds;
        if (id == Keep) return Err(Errno.EINVAL);
        if (Privileged(t, false)) { c.Uid = c.Euid = c.Suid = c.Fsuid = id; return 0; }
        if (id != c.Uid && id != c.Suid) return Err(Errno.EPERM);
        c.Euid = c.Fsuid = id;
        return 0;
    });

    public static long SetGid(Task t, uint id)
    {
        var c = t.Creds;
        if (id == Keep) return Err(Errno.EINVAL);
        if (Privileged(t, true)) { c.Gid = c.Egid = c.Sgid = c.Fsgid = id; return 0; }
        if (id != c.Gid && id != c.Sgid) return Err(Errno.EPERM);
        c.Egid = c.Fsgid = id;
        return 0;
    }

    public static long SetRes(Task t, uint r, uint e, uint s, bool group) => group ? SetResNow(t, r, e, s, true) : ChangingUids(t, () => SetResNow(t, r, e, s, false));

    static long SetResNow(Task t, uint r, uint e, uint s, bool group)
    {
        var c = t.Creds;
        uint cr = group ? c.Gid : c.Uid, ce = group ? c.Egid : c.Euid, cs = group ? c.Sgid : c.Suid;
        bool Allowed(uint v) => v == Keep || Privileged(t, group) || v == cr || v == ce || v == cs;
        if (!Allowed(r) || !Allowed(e) || !Allowed(s)) return Err(Errno.EPERM);
        if (r != Keep) cr = r;
        if (e != Keep) ce = e;
        if (s != Keep) cs = s;
        if (group) { c.Gid = cr; c.Egid = ce; c.Sgid = cs; c.Fsgid = ce; }
        else { c.Uid = cr; c.Euid = ce; c.Suid = cs; c.Fsuid = ce; }
        return 0;
    }

    public static long SetFs(Task t, uint id, bool group) => group ? SetFsNow(t, id, true) : ChangingUids(t, () => SetFsNow(t, id, false));

    static long SetFsNow(Task t, uint id, bool group)
    {
        var c = t.Creds;
        uint old = group ? c.Fsgid : c.Fsuid;
        bool ok = id != Keep && (Privileged(t, group) || (group ? id == c.Gid || id == c.Egid || id == c.Sgid : id == c.Uid || id == c.Euid || id == c.Suid));
        if (ok) { if (group) c.Fsgid = id; else c.Fsuid = id; }
        return old;
    }

    public static long SetGroups(Task t, long n, ulong list)
    {
        if (n < 0 || n > 65536) return Err(Errno.EINVAL);
        if (!Privileged(t, true)) return Err(Errno.EPERM);
        var g = new uint[n];
        for (int i = 0; i < n; i++)
            if (!t.Mem.Read(list + (ulong)(4 * i), out g[i])) return Err(Errno.EFAULT);
        t.Creds.Groups = g;
        return 0;
    }

    const uint CapV1 = 0x19980330, CapV2 = 0x20071026, CapV3 = 0x20080522;

    /// <summary>The header's version and pid, or an error (an unknown version is answered with ours, EINVAL).</summary>
    static Errno CapTarget(Task t, ulong hdr, out uint version, out Task target)
    {
        target = t;
        if (!t.Mem.Read(hdr, out version) || !t.Mem.Read(hdr + 4, out int pid)) return Errno.EFAULT;
        if (version != CapV3 && version != CapV2 && version != CapV1)
        {
            t.Mem.Write(hdr, CapV3);
            return Errno.EINVAL;
        }
        if (pid < 0) return Errno.EINVAL;
        if (pid != 0 && pid != t.OwnTid)
        {
            if (t.PidNs.Lookup(pid) is not { } other) return Errno.ESRCH;
            target = other;
        }
        return Errno.None;
    }

    public static long Capget(Task t, ulong hdr, ulong data)
    {
        var e = CapTarget(t, hdr, out uint version, out var target);
        if (e == Errno.EINVAL && data == 0) return 0; // probing the version
        if (e != Errno.None) return Err(e);
        if (data == 0) return 0;
        var c = target.Creds;
        Span<CapUserData> d = stackalloc CapUserData[2]
        {
            new() { Effective = (uint)c.CapEffective, Permitted = (uint)c.CapPermitted, Inheritable = (uint)c.CapInheritable },
            new() { Effective = (uint)(c.CapEffective >> 32), Permitted = (uint)(c.CapPermitted >> 32), Inheritable = (uint)(c.CapInheritable >> 32) },
        };
        int count = version == CapV1 ? 1 : 2; // version 1 has 32 capabilities, 2 and 3 have 64
        return t.Mem.Write(data, System.Runtime.InteropServices.MemoryMarshal.AsBytes(d[..count])) ? 0 : Err(Errno.EFAULT);
    }

    /// <summary>capset on the caller only: permitted may only shrink, effective stays within permitted, inheritable
    /// within the bounding set and (without CAP_SETPCAP) within the old inheritable and permitted sets.</summary>
    public static long Capset(Task t, ulong hdr, ulong data)
    {
        var e = CapTarget(t, hdr, out uint version, out var target);
        if (e != Errno.None) return Err(e);
        if (target != t) return Err(Errno.EPERM);
        int count = version == CapV1 ? 1 : 2;
        Span<CapUserData> d = stackalloc CapUserData[2];
        d.Clear(); // version 1 sets the low 32 capabilities and clears the rest
        if (!t.Mem.Read(data, System.Runtime.InteropServices.MemoryMarshal.AsBytes(d[..count]))) return Err(Errno.EFAULT);
        var c = t.Creds;
        static ulong Join(uint lo, uint hi) => (lo | (ulong)hi << 32) & Credentials.AllCaps;
        ulong eff = Join(d[0].Effective, d[1].Effective), prm = Join(d[0].Permitted, d[1].Permitted), inh = Join(d[0].Inheritable, d[1].Inheritable);
        if ((prm & ~c.CapPermitted) != 0 || (eff & ~prm) != 0) return Err(Errno.EPERM);
        if ((inh & ~(c.CapInheritable | c.CapPermitted)) != 0 && !c.Has(Credentials.CAP_SETPCAP)) return Err(Errno.EPERM);
        if ((inh & ~(c.CapInheritable | c.CapBounding)) != 0) return Err(Errno.EPERM);
        c.CapEffective = eff;
        c.CapPermitted = prm;
        c.CapInheritable = inh;
        c.CapAmbient &= prm & inh; // an ambient capability must stay permitted and inheritable
        return 0;
    }
}
