using AppKernel.Sentry.Kernel;
using static AppKernel.Sentry.Syscalls.SyscallTable;

namespace AppKernel.Sentry.Syscalls;

/// <summary>set*id and capget/capset with Linux's rules: a caller with CAP_SETUID (CAP_SETGID for groups) may set
/// anything, others only swap among their ids; a uid change moves the capability sets as capabilities(7) says.</summary>
static class Ids
{
    const uint Keep = uint.MaxValue;

    /// <summary>CAP_SETUID (CAP_SETGID) in the caller's own user namespace (Linux's ns_capable_setid).</summary>
    static bool Privileged(Task t, bool group) => t.Creds.HasIn(t.Creds.UserNs, group ? Credentials.CAP_SETGID : Credentials.CAP_SETUID);

    /// <summary>A user-space id to a kernel id in the caller's namespace (Keep stays Keep); false: unmapped (EINVAL).</summary>
    static bool ToKernel(Task t, uint id, bool group, out uint kid)
    {
        kid = id == Keep ? Keep : group ? t.Creds.UserNs.GidFromUser(id) : t.Creds.UserNs.UidFromUser(id);
        return id == Keep || kid != IdMap.Invalid;
    }

    /// <summary>Runs a set*id call as Linux's commit_creds ends one: a process whose effective or fs ids changed, or
    /// that gained permitted capabilities, is no longer dumpable (fs.suid_dumpable).</summary>
    public static long Committing(Task t, Func<long> change)
    {
        var c = t.Creds;
        uint e = c.Euid, eg = c.Egid, f = c.Fsuid, fg = c.Fsgid;
        ulong permitted = c.CapPermitted;
        long r = change();
        if (c.Euid != e || c.Egid != eg || c.Fsuid != f || c.Fsgid != fg || (c.CapPermitted & ~permitted) != 0)
            t.MM.Dumpable = Memory.MemoryManager.SuidDumpable;
        return r;
    }

    /// <summary>Runs a uid change and then the capability transition it implies.</summary>
    static long ChangingUids(Task t, Func<long> change)
    {
        var c = t.Creds;
        uint u = c.Uid, e = c.Euid, s = c.Suid, f = c.Fsuid;
        long r = change();
        c.AfterUidChange(u, e, s, f);
        return r;
    }

    public static long SetUid(Task t, uint uid) => ChangingUids(t, () =>
    {
        var c = t.Creds;
        if (uid == Keep || !ToKernel(t, uid, false, out uint id)) return Err(Errno.EINVAL);
        if (Privileged(t, false)) { c.Uid = c.Euid = c.Suid = c.Fsuid = id; return 0; }
        if (id != c.Uid && id != c.Suid) return Err(Errno.EPERM);
        c.Euid = c.Fsuid = id;
        return 0;
    });

    public static long SetGid(Task t, uint gid)
    {
        var c = t.Creds;
        if (gid == Keep || !ToKernel(t, gid, true, out uint id)) return Err(Errno.EINVAL);
        if (Privileged(t, true)) { c.Gid = c.Egid = c.Sgid = c.Fsgid = id; return 0; }
        if (id != c.Gid && id != c.Sgid) return Err(Errno.EPERM);
        c.Egid = c.Fsgid = id;
        return 0;
    }

    public static long SetRes(Task t, uint r, uint e, uint s, bool group)
    {
        if (!ToKernel(t, r, group, out r) || !ToKernel(t, e, group, out e) || !ToKernel(t, s, group, out s)) return Err(Errno.EINVAL);
        return group ? SetResNow(t, r, e, s, true) : ChangingUids(t, () => SetResNow(t, r, e, s, false));
    }

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

    /// <summary>setreuid/setregid: the real id may become the old real or effective one, the effective id also the
    /// saved one (anything with CAP_SETUID/CAP_SETGID); the saved id follows the new effective one when the real id
    /// is set or the effective one changes to something other than the old real id.</summary>
    public static long SetRe(Task t, uint r, uint e, bool group)
    {
        if (!ToKernel(t, r, group, out r) || !ToKernel(t, e, group, out e)) return Err(Errno.EINVAL);
        return group ? SetReNow(t, r, e, true) : ChangingUids(t, () => SetReNow(t, r, e, false));
    }

    static long SetReNow(Task t, uint r, uint e, bool group)
    {
        var c = t.Creds;
        uint cr = group ? c.Gid : c.Uid, ce = group ? c.Egid : c.Euid, cs = group ? c.Sgid : c.Suid;
        bool priv = Privileged(t, group);
        if (r != Keep && !priv && r != cr && r != ce) return Err(Errno.EPERM);
        if (e != Keep && !priv && e != cr && e != ce && e != cs) return Err(Errno.EPERM);
        uint nr = r != Keep ? r : cr, ne = e != Keep ? e : ce;
        uint ns = r != Keep || (e != Keep && e != cr) ? ne : cs;
        if (group) { c.Gid = nr; c.Egid = ne; c.Sgid = ns; c.Fsgid = ne; }
        else { c.Uid = nr; c.Euid = ne; c.Suid = ns; c.Fsuid = ne; }
        return 0;
    }

    /// <summary>setfsuid/setfsgid: the old id as the caller sees it, whether or not the change was made.</summary>
    public static long SetFs(Task t, uint id, bool group)
    {
        var ns = t.Creds.UserNs;
        uint old = group ? ns.GidToUser(t.Creds.Fsgid) : ns.UidToUser(t.Creds.Fsuid);
        if (id == Keep || !ToKernel(t, id, group, out uint kid)) return old;
        if (group) SetFsNow(t, kid, true); else ChangingUids(t, () => SetFsNow(t, kid, false));
        return old;
    }

    static long SetFsNow(Task t, uint id, bool group)
    {
        var c = t.Creds;
        bool ok = Privileged(t, group) || (group ? id == c.Gid || id == c.Egid || id == c.Sgid : id == c.Uid || id == c.Euid || id == c.Suid);
        if (ok) { if (group) c.Fsgid = id; else c.Fsuid = id; }
        return 0;
    }

    /// <summary>setgroups: CAP_SETGID in the caller's namespace, where setgroups is allowed and a gid map exists
    /// (Linux's may_setgroups, checked before the size); every gid must map; the list is kept sorted as Linux's.</summary>
    public static long SetGroups(Task t, long n, ulong list)
    {
        if (!Privileged(t, true) || !t.Creds.UserNs.MaySetgroups) return Err(Errno.EPERM);
        int count = (int)n; // an int, as Linux's gidsetsize: the register's upper half is not looked at
        if ((uint)count > 65536) return Err(Errno.EINVAL);
        var g = new uint[count];
        for (int i = 0; i < count; i++)
        {
            if (!t.Mem.Read(list + (ulong)(4 * i), out uint gid)) return Err(Errno.EFAULT);
            if (!ToKernel(t, gid, true, out g[i]) || gid == Keep) return Err(Errno.EINVAL);
        }
        Array.Sort(g);
        t.Creds.Groups = g;
        return 0;
    }

    /// <summary>getgroups: the supplementary groups as the caller's namespace sees them.</summary>
    public static long GetGroups(Task t, long n, ulong list)
    {
        var g = t.Creds.Groups;
        int count = (int)n; // an int, as Linux's gidsetsize
        if (count < 0) return Err(Errno.EINVAL);
        if (count == 0) return g.Length;
        if (count < g.Length) return Err(Errno.EINVAL);
        for (int i = 0; i < g.Length; i++)
            if (!t.Mem.Write(list + (ulong)(4 * i), t.Creds.UserNs.GidToUser(g[i]))) return Err(Errno.EFAULT);
        return g.Length;
    }

    /// <summary>getresuid/getresgid: the three ids as the caller's namespace sees them.</summary>
    public static long GetRes(Task t, ulong r, ulong e, ulong s, bool group)
    {
        var c = t.Creds;
        Func<uint, uint> show = group ? c.UserNs.GidToUser : c.UserNs.UidToUser;
        return t.Mem.Write(r, show(group ? c.Gid : c.Uid)) && t.Mem.Write(e, show(group ? c.Egid : c.Euid))
            && t.Mem.Write(s, show(group ? c.Sgid : c.Suid)) ? 0 : Err(Errno.EFAULT);
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
        if ((inh & ~(c.CapInheritable | c.CapPermitted)) != 0 && !c.HasIn(c.UserNs, Credentials.CAP_SETPCAP)) return Err(Errno.EPERM);
        if ((inh & ~(c.CapInheritable | c.CapBounding)) != 0) return Err(Errno.EPERM);
        c.CapEffective = eff;
        c.CapPermitted = prm;
        c.CapInheritable = inh;
        c.CapAmbient &= prm & inh; // an ambient capability must stay permitted and inheritable
        return 0;
    }
}
