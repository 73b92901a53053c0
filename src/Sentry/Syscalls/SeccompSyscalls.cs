using System.Runtime.InteropServices;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Kernel.Seccomp;
using AppKernel.Sentry.Vfs;
using static AppKernel.Sentry.Syscalls.SyscallTable;

namespace AppKernel.Sentry.Syscalls;

/// <summary>
/// seccomp(2) and prctl's PR_SET_SECCOMP/PR_GET_SECCOMP: a guest's own filters, with Linux's checks in Linux's
/// order (do_seccomp, seccomp_set_mode_filter, seccomp_attach_filter). Task.CheckSeccomp applies them.
/// </summary>
static class SeccompSyscalls
{
    const int SECCOMP_SET_MODE_STRICT = 0, SECCOMP_SET_MODE_FILTER = 1, SECCOMP_GET_ACTION_AVAIL = 2, SECCOMP_GET_NOTIF_SIZES = 3;
    const uint FLAG_TSYNC = 1, FLAG_LOG = 2, FLAG_SPEC_ALLOW = 4, FLAG_NEW_LISTENER = 8, FLAG_TSYNC_ESRCH = 16,
        FLAG_WAIT_KILLABLE_RECV = 32;
    const uint FlagMask = FLAG_TSYNC | FLAG_LOG | FLAG_SPEC_ALLOW | FLAG_NEW_LISTENER | FLAG_TSYNC_ESRCH | FLAG_WAIT_KILLABLE_RECV;
    /// <summary>struct sock_fprog: u16 len, then the instructions' address at offset 8.</summary>
    const int SockFprogSize = 16;

    public static void Register(SyscallHandler?[] t)
    {
        t[Nr.seccomp] = (k, op, flags, uargs, _, _, _) => Seccomp(k, (uint)op, (uint)flags, uargs);
    }

    static long Seccomp(Task t, uint op, uint flags, ulong uargs)
    {
        switch (op)
        {
            case SECCOMP_SET_MODE_STRICT:
                if (flags != 0 || uargs != 0) return Err(Errno.EINVAL);
                return SetStrict(t);
            case SECCOMP_SET_MODE_FILTER:
                return SetFilter(t, flags, uargs);
            case SECCOMP_GET_ACTION_AVAIL:
                if (flags != 0) return Err(Errno.EINVAL);
                if (!t.Mem.Read(uargs, out uint action)) return Err(Errno.EFAULT);
                return SeccompRet.Known(action) ? 0 : Err(Errno.EOPNOTSUPP);
            case SECCOMP_GET_NOTIF_SIZES:
            {
                if (flags != 0) return Err(Errno.EINVAL);
                ReadOnlySpan<ushort> sizes = [SeccompListener.NotifSize, SeccompListener.RespSize, SeccompData.Size];
                return t.Mem.Write(uargs, MemoryMarshal.AsBytes(sizes)) ? 0 : Err(Errno.EFAULT);
            }
            default:
                return Err(Errno.EINVAL);
        }
    }

    /// <summary>prctl(PR_SET_SECCOMP, mode, filter): strict ignores the filter argument; no flags.</summary>
    public static long PrctlSet(Task t, ulong mode, ulong filter) => mode switch
    {
        SeccompState.MODE_STRICT => Seccomp(t, SECCOMP_SET_MODE_STRICT, 0, 0),
        SeccompState.MODE_FILTER => Seccomp(t, SECCOMP_SET_MODE_FILTER, 0, filter),
        _ => Err(Errno.EINVAL),
    };

    public static long PrctlGet(Task t) => SeccompState.ModeOf(t.Seccomp);

    static long SetStrict(Task t)
    {
        int mode = SeccompState.ModeOf(t.Seccomp);
        if (mode != SeccompState.MODE_DISABLED && mode != SeccompState.MODE_STRICT) return Err(Errno.EINVAL);
        t.Seccomp = SeccompState.Strict;
        return 0;
    }

    static long SetFilter(Task t, uint flags, ulong uargs)
    {
        if ((flags & ~FlagMask) != 0) return Err(Errno.EINVAL);
        if ((flags & FLAG_TSYNC) != 0 && (flags & FLAG_NEW_LISTENER) != 0 && (flags & FLAG_TSYNC_ESRCH) == 0) return Err(Errno.EINVAL);
        if ((flags & FLAG_WAIT_KILLABLE_RECV) != 0 && (flags & FLAG_NEW_LISTENER) == 0) return Err(Errno.EINVAL);
        var e = ReadProgram(t, uargs, out var prog);
        if (e != Errno.None) return Err(e);

        SeccompListener? listener = null;
        int fd = -1;
        if ((flags & FLAG_NEW_LISTENER) != 0)
        {
            listener = new SeccompListener();
            fd = t.Fds.Install(listener, cloexec: true, 0, t.Limits.NoFile);
            if (fd < 0) { listener.DecRef(); return fd; }
        }
        long r = Attach(t, flags, prog!, listener);
        if (r < 0 || (r > 0 && listener != null))
        {
            if (fd >= 0) t.Fds.Close(fd);
            return r;
        }
        return listener != null ? fd : r;
    }

    /// <summary>seccomp_prepare_user_filter: the struct, the length, the privilege rule, the instructions, the checks.</summary>
    static Errno ReadProgram(Task t, ulong uargs, out SockFilter[]? prog)
    {
        prog = null;
        Span<byte> fprog = stackalloc byte[SockFprogSize];
        if (!t.Mem.Read(uargs, fprog)) return Errno.EFAULT;
        int len = BitConverter.ToUInt16(fprog);
        ulong addr = BitConverter.ToUInt64(fprog[8..]);
        if (len == 0 || len > ClassicBpf.BPF_MAXINSNS) return Errno.EINVAL;
        // Installing a filter takes no_new_privs or CAP_SYS_ADMIN: a filter could fool a set-uid program.
        if (!t.NoNewPrivs && !t.Creds.HasIn(t.Creds.UserNs, Credentials.CAP_SYS_ADMIN)) return Errno.EACCES;
        var insns = new SockFilter[len];
        if (!t.Mem.Read(addr, MemoryMarshal.AsBytes(insns.AsSpan()))) return Errno.EFAULT;
        if (!ClassicBpf.CheckForSeccomp(insns)) return Errno.EINVAL;
        prog = insns;
        return Errno.None;
    }

    /// <summary>seccomp_attach_filter under the process's lock: the mode rule, one listener per chain, the path
    /// length, TSYNC's check (the tid of a thread that cannot take the filter, or ESRCH) and its sync.</summary>
    static long Attach(Task t, uint flags, SockFilter[] prog, SeccompListener? listener)
    {
        lock (t.Group)
        {
            var cur = t.Seccomp;
            if (SeccompState.ModeOf(cur) == SeccompState.MODE_STRICT) return Err(Errno.EINVAL);
            if (listener != null)
                for (var w = cur?.Top; w != null; w = w.Prev)
                    if (w.Listener != null) return Err(Errno.EBUSY);
            if ((cur?.PathLength(prog.Length) ?? prog.Length) > SeccompState.MaxInsnsPerPath) return Err(Errno.ENOMEM);
            var threads = (flags & FLAG_TSYNC) != 0 ? t.Group.Threads() : null;
            if (threads != null)
                foreach (var o in threads)
                {
                    if (o == t || o.Exited) continue;
                    var os = o.Seccomp;
                    if (os == null || (os.Mode == SeccompState.MODE_FILTER && (cur?.Extends(os.Top) ?? false))) continue;
                    return (flags & FLAG_TSYNC_ESRCH) != 0 ? Err(Errno.ESRCH) : t.PidNs.IdOf(o.Tid);
                }
            var f = new BpfFilter(prog) { Prev = cur?.Top, Log = (flags & FLAG_LOG) != 0, Listener = listener };
            var next = SeccompState.Push(cur, f);
            t.Seccomp = next;
            if (threads != null)
                foreach (var o in threads)
                {
                    if (o == t || o.Exited) continue;
                    o.Seccomp = next;
                    if (t.NoNewPrivs) o.NoNewPrivs = true;
                }
            return 0;
        }
    }
}
