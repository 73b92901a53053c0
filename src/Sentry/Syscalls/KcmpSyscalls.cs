using System.Runtime.CompilerServices;
using AppKernel.Sentry.FileSystems.Anon;
using AppKernel.Sentry.Kernel;
using static AppKernel.Sentry.Syscalls.SyscallTable;

namespace AppKernel.Sentry.Syscalls;

/// <summary>
/// kcmp(2): whether two processes share a kernel object — an open file, the address space, the fd table, the fs
/// context, the signal handlers — or whether a file is registered in an epoll instance. As Linux, objects are
/// ordered (1 or 2) by a stable but meaningless key, 0 when the same; both processes need ptrace-read permission.
/// The I/O context is the task's own (no CLONE_IO); SEM_UNDO lists are compared as the others (two tasks without one are equal).
/// </summary>
static class KcmpSyscalls
{
    const int KCMP_FILE = 0, KCMP_VM = 1, KCMP_FILES = 2, KCMP_FS = 3, KCMP_SIGHAND = 4, KCMP_IO = 5, KCMP_SYSVSEM = 6,
        KCMP_EPOLL_TFD = 7;

    public static void Register(SyscallHandler?[] t)
    {
        t[Nr.kcmp] = (k, pid1, pid2, type, idx1, idx2, _) => Kcmp(k, (int)pid1, (int)pid2, (int)type, idx1, idx2);
    }

    static long Kcmp(Task t, int pid1, int pid2, int type, ulong idx1, ulong idx2)
    {
        Task? a = pid1 > 0 ? t.Named(pid1) : null, b = pid2 > 0 ? t.Named(pid2) : null;
        if (a == null || b == null) return Err(Errno.ESRCH);
        if (!ProcessVmSyscalls.MayAccess(t, a) || !ProcessVmSyscalls.MayAccess(t, b)) return Err(Errno.EPERM);
        switch (type)
        {
            case KCMP_FILE:
            {
                // Linux takes the fd numbers as unsigned ints (the upper half is ignored).
                using var f1 = a.Fds.Borrow((int)(uint)idx1);
                using var f2 = b.Fds.Borrow((int)(uint)idx2);
                return f1.File == null || f2.File == null ? Err(Errno.EBADF) : Order(t, f1.File, f2.File);
            }
            case KCMP_VM: return Order(t, a.MM, b.MM);
            case KCMP_FILES: return Order(t, a.Fds, b.Fds);
            case KCMP_FS: return Order(t, a.Fs, b.Fs);
            case KCMP_SIGHAND: return Order(t, a.Signals.Actions, b.Signals.Actions);
            case KCMP_IO: return Order(t, a, b);
            case KCMP_SYSVSEM: return a.SemUndo == b.SemUndo ? 0 : Order(t, a.SemUndo ?? NoUndoList, b.SemUndo ?? NoUndoList);
            case KCMP_EPOLL_TFD: return EpollTarget(t, a, b, idx1, idx2);
            default: return Err(Errno.EINVAL);
        }
    }

    // idx2 points at struct kcmp_epoll_slot { u32 efd, tfd, toff; }: the toff-th file registered as tfd in b's
    // epoll instance efd, compared with a's file idx1.
    static long EpollTarget(Task t, Task a, Task b, ulong idx1, ulong slotAddr)
    {
        using var f = a.Fds.Borrow((int)(uint)idx1);
        if (f.File == null) return Err(Errno.EBADF);
        Span<uint> slot = stackalloc uint[3];
        if (!t.Mem.Read(slotAddr, System.Runtime.InteropServices.MemoryMarshal.AsBytes(slot))) return Err(Errno.EFAULT);
        using var ep = b.Fds.Borrow((int)slot[0]);
        if (ep.File == null) return Err(Errno.EBADF);
        if (ep.File is not Epoll epoll) return Err(Errno.EINVAL);
        var target = epoll.Target((int)slot[1], (int)slot[2]);
        return target == null ? Err(Errno.ENOENT) : Order(t, f.File, target);
    }

    /// <summary>Stands for "no undo list" in the order (Linux compares the NULL pointer too).</summary>
    static readonly object NoUndoList = new();

    static long Order(Task t, object x, object y)
    {
        if (ReferenceEquals(x, y)) return 0;
        return t.Kernel.KcmpKeys.Key(x) < t.Kernel.KcmpKeys.Key(y) ? 1 : 2;
    }
}

/// <summary>kcmp's ordering keys: a number per object compared, given at its first comparison and kept for its life.</summary>
public sealed class KcmpKeys
{
    readonly ConditionalWeakTable<object, StrongBox<long>> _keys = new();
    long _next;

    public long Key(object o) => _keys.GetValue(o, _ => new StrongBox<long>(Interlocked.Increment(ref _next))).Value;
}
