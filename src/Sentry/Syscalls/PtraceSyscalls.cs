using System.Runtime.InteropServices;
using AppKernel.Platform;
using AppKernel.Sentry.Kernel;
using static AppKernel.Sentry.Syscalls.SyscallTable;

namespace AppKernel.Sentry.Syscalls;

/// <summary>
/// ptrace(2), the part a process asks for itself: PTRACE_TRACEME makes the parent its tracer, so the parent's
/// wait reports the child's stops without WUNTRACED and may read its registers while it is stopped
/// (PTRACE_GETREGS, PTRACE_GETREGSET NT_PRSTATUS), resume it (PTRACE_CONT, with a signal), detach or kill it.
/// The stops are the group stops of job control (a stop signal); Linux's tracee also stops for every other
/// signal and after execve (SIGTRAP), which is not done here. Attaching to another process, changing a tracee
/// (POKE*, SETREGS) and syscall stops are not implemented: those requests answer EIO, as Linux's for a request
/// it does not know.
/// </summary>
static class PtraceSyscalls
{
    const long PTRACE_TRACEME = 0, PTRACE_CONT = 7, PTRACE_KILL = 8, PTRACE_GETREGS = 12, PTRACE_DETACH = 17,
        PTRACE_GETREGSET = 0x4204;
    const ulong NT_PRSTATUS = 1;

    public static void Register(SyscallHandler?[] t)
    {
        t[Nr.ptrace] = (k, req, pid, addr, data, _, _) => Ptrace(k, (long)req, (int)pid, addr, data);
    }

    static long Ptrace(Task t, long req, int pid, ulong addr, ulong data)
    {
        if (req == PTRACE_TRACEME)
        {
            lock (t.Kernel.TreeLock)
            {
                if (t.Group.Tracer != null || t.Parent == null) return Err(Errno.EPERM);
                t.Group.Tracer = t.Parent.Group;
            }
            return 0;
        }
        if (req is not (PTRACE_CONT or PTRACE_KILL or PTRACE_GETREGS or PTRACE_DETACH or PTRACE_GETREGSET)) return Err(Errno.EIO);
        // Every other request names a tracee of ours that is stopped (PTRACE_KILL: any tracee), else ESRCH.
        var c = pid > 0 ? t.PidNs.Lookup(pid) : null;
        if (c == null || c.Group.Tracer != t.Group) return Err(Errno.ESRCH);
        if (req == PTRACE_KILL) { c.SendSignal(Task.SIGKILL, Task.UserInfo(Task.SIGKILL, Task.SI_USER, t.Tgid, t.Creds.Uid)); return 0; }
        if (!c.Group.Stopped) return Err(Errno.ESRCH);
        switch (req)
        {
            case PTRACE_GETREGS:
                return t.Mem.Write(data, c.Regs) ? 0 : Err(Errno.EFAULT);
            case PTRACE_GETREGSET:
            {
                if (addr != NT_PRSTATUS) return Err(Errno.EINVAL);
                if (!t.Mem.Read(data, out IoVec iov)) return Err(Errno.EFAULT);
                var regs = c.Regs;
                var bytes = MemoryMarshal.AsBytes(new ReadOnlySpan<Registers>(in regs));
                int n = (int)Math.Min((ulong)iov.Len, (ulong)bytes.Length);
                if (!t.Mem.Write((ulong)iov.Base, bytes[..n])) return Err(Errno.EFAULT);
                iov.Len = (nuint)n;
                return t.Mem.Write(data, iov) ? 0 : Err(Errno.EFAULT);
            }
            default: // PTRACE_CONT, PTRACE_DETACH: resume, delivering data's signal (0: none)
            {
                int sig = (int)data;
                if (sig < 0 || sig > SignalState.NSig) return Err(Errno.EIO);
                if (req == PTRACE_DETACH) c.Group.Tracer = null;
                c.Group.Resume();
                if (sig != 0) c.SendSignal(sig, Task.UserInfo(sig, Task.SI_USER, t.Tgid, t.Creds.Uid));
                return 0;
            }
        }
    }
}
