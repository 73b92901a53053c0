using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Kernel.Landlock;
using AppKernel.Sentry.Vfs;
using static AppKernel.Sentry.Kernel.Landlock.LandlockAccess;
using static AppKernel.Sentry.Syscalls.SyscallTable;

namespace AppKernel.Sentry.Syscalls;

/// <summary>
/// landlock_create_ruleset, landlock_add_rule and landlock_restrict_self, with Linux's checks in Linux's order
/// (security/landlock/syscalls.c). The domain they build is enforced by <see cref="LandlockChecks"/>.
/// </summary>
static class LandlockSyscalls
{
    /// <summary>struct landlock_ruleset_attr as this ABI knows it (handled_access_fs, handled_access_net, scoped);
    /// a caller must pass at least the first field.</summary>
    const int RulesetAttrSize = 24, RulesetAttrMinSize = 8, PageSize = 4096;
    /// <summary>struct landlock_path_beneath_attr (packed: u64 allowed_access, s32 parent_fd) and
    /// struct landlock_net_port_attr (u64 allowed_access, u64 port).</summary>
    const int PathBeneathAttrSize = 12, NetPortAttrSize = 16;

    public static void Register(SyscallHandler?[] t)
    {
        t[Nr.landlock_create_ruleset] = (k, attr, size, flags, _, _, _) => CreateRuleset(k, attr, size, (uint)flags);
        t[Nr.landlock_add_rule] = (k, fd, type, attr, flags, _, _) => AddRule(k, (int)fd, (uint)type, attr, (uint)flags);
        t[Nr.landlock_restrict_self] = (k, fd, flags, _, _, _, _) => RestrictSelf(k, (int)fd, (uint)flags);
    }

    static long CreateRuleset(Task t, ulong attr, ulong size, uint flags)
    {
        if (flags != 0)
            return flags == CREATE_RULESET_VERSION && attr == 0 && size == 0 ? AbiVersion : Err(Errno.EINVAL);
        // copy_min_struct_from_user: too short, no buffer, more than a page, then non-zero bytes past what we know.
        if (size < RulesetAttrMinSize) return Err(Errno.EINVAL);
        if (attr == 0) return Err(Errno.EFAULT);
        if (size > PageSize) return Err(Errno.E2BIG);
        var buf = new byte[size];
        if (!t.Mem.Read(attr, buf)) return Err(Errno.EFAULT);
        for (int i = RulesetAttrSize; i < buf.Length; i++)
            if (buf[i] != 0) return Err(Errno.E2BIG);
        Span<byte> known = stackalloc byte[RulesetAttrSize];
        buf.AsSpan(0, Math.Min(buf.Length, RulesetAttrSize)).CopyTo(known);
        ulong fs = BitConverter.ToUInt64(known), net = BitConverter.ToUInt64(known[8..]), scoped = BitConverter.ToUInt64(known[16..]);
        if ((fs & ~FsMask) != 0 || (net & ~NetMask) != 0 || (scoped & ~ScopeMask) != 0) return Err(Errno.EINVAL);
        if (fs == 0 && net == 0 && scoped == 0) return Err(Errno.ENOMSG);
        var file = new LandlockRulesetFile(new LandlockPolicy(fs, net, scoped));
        int fd = t.Fds.Install(file, cloexec: true, 0, t.Limits.NoFile);
        if (fd < 0) file.DecRef();
        return fd;
    }

    /// <summary>The ruleset an fd names (Linux's get_ruleset_from_fd): EBADF for no fd (an O_PATH one is none),
    /// EBADFD for another kind of file.</summary>
    static Errno Ruleset(FileDescription? f, out LandlockPolicy? policy)
    {
        policy = (f as LandlockRulesetFile)?.Policy;
        if (f == null || (f.Flags & OpenFlags.O_PATH) != 0) return Errno.EBADF;
        return policy == null ? Errno.EBADFD : Errno.None;
    }

    static long AddRule(Task t, int fd, uint type, ulong attr, uint flags)
    {
        if (flags != 0) return Err(Errno.EINVAL);
        using var fRef = t.Fds.Borrow(fd);
        var e = Ruleset(fRef.File, out var policy);
        if (e != Errno.None) return Err(e);
        return type switch
        {
            RULE_PATH_BENEATH => Err(AddPathRule(t, policy!, attr)),
            RULE_NET_PORT => Err(AddPortRule(t, policy!, attr)),
            _ => Err(Errno.EINVAL),
        };
    }

    static Errno AddPathRule(Task t, LandlockPolicy policy, ulong attr)
    {
        Span<byte> buf = stackalloc byte[PathBeneathAttrSize];
        if (!t.Mem.Read(attr, buf)) return Errno.EFAULT;
        ulong allowed = BitConverter.ToUInt64(buf);
        int parentFd = BitConverter.ToInt32(buf[8..]);
        if (allowed == 0) return Errno.ENOMSG; // a rule granting nothing would be ignored by every walk
        if ((allowed & ~policy.HandledFs) != 0) return Errno.EINVAL;
        using var pRef = t.Fds.Borrow(parentFd);
        if (pRef.File is not { } f) return Errno.EBADF;
        // Only files with a place in a mounted tree (not pipes, sockets, anonymous inodes, rulesets).
        if (f is LandlockRulesetFile || !f.Path.IsValid) return Errno.EBADFD;
        var inode = f.Path.Inode;
        if (!inode.IsDir && (allowed & ~FsFileRights) != 0) return Errno.EINVAL;
        policy.AddPath(inode, allowed);
        return Errno.None;
    }

    static Errno AddPortRule(Task t, LandlockPolicy policy, ulong attr)
    {
        Span<byte> buf = stackalloc byte[NetPortAttrSize];
        if (!t.Mem.Read(attr, buf)) return Errno.EFAULT;
        ulong allowed = BitConverter.ToUInt64(buf), port = BitConverter.ToUInt64(buf[8..]);
        if (allowed == 0) return Errno.ENOMSG;
        if ((allowed & ~policy.HandledNet) != 0) return Errno.EINVAL;
        if (port > ushort.MaxValue) return Errno.EINVAL;
        policy.AddPort((ushort)port, allowed);
        return Errno.None;
    }

    static long RestrictSelf(Task t, int fd, uint flags)
    {
        if (flags != 0) return Err(Errno.EINVAL);
        // As seccomp's filter mode, except that the answer is EPERM.
        if (!t.NoNewPrivs && !t.Creds.HasIn(t.Creds.UserNs, Credentials.CAP_SYS_ADMIN)) return Err(Errno.EPERM);
        using var fRef = t.Fds.Borrow(fd);
        var e = Ruleset(fRef.File, out var policy);
        if (e != Errno.None) return Err(e);
        if (t.Landlock is { Depth: >= MaxLayers }) return Err(Errno.E2BIG);
        t.Landlock = new LandlockDomain(t.Landlock, policy!.Snapshot());
        return 0;
    }
}
