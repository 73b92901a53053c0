using System.Runtime.InteropServices;
using AppKernel.Platform;
using AppKernel.Sentry.Kernel;
using static AppKernel.Sentry.Syscalls.SyscallTable;

namespace AppKernel.Sentry.Syscalls;

/// <summary>
/// ptrace(2) with Linux 6.1's rules: a thread is traced by a process (TRACEME, ATTACH with its SIGSTOP, SEIZE
/// with options and no stop); the tracee's stops (Kernel/TaskPtrace.cs) are reported to the tracer's wait, which
/// then reads and changes its registers, FP state, memory and siginfo, and resumes it (CONT, SYSCALL, SYSEMU,
/// LISTEN, DETACH) with a signal or none; SINGLESTEP and SYSEMU_SINGLESTEP run one instruction (the trap flag, see
/// Task.RunGuest). PEEK/POKE go through read-only and PROT_NONE private mappings as Linux's FOLL_FORCE.
/// </summary>
static class PtraceSyscalls
{
    const long PTRACE_TRACEME = 0, PTRACE_PEEKTEXT = 1, PTRACE_PEEKDATA = 2, PTRACE_PEEKUSER = 3, PTRACE_POKETEXT = 4,
        PTRACE_POKEDATA = 5, PTRACE_POKEUSER = 6, PTRACE_CONT = 7, PTRACE_KILL = 8, PTRACE_SINGLESTEP = 9, PTRACE_GETREGS = 12, PTRACE_SETREGS = 13,
        PTRACE_GETFPREGS = 14, PTRACE_SETFPREGS = 15, PTRACE_ATTACH = 16, PTRACE_DETACH = 17, PTRACE_SYSCALL = 24,
        PTRACE_SYSEMU = 31, PTRACE_SYSEMU_SINGLESTEP = 32, PTRACE_SETOPTIONS = 0x4200, PTRACE_GETEVENTMSG = 0x4201, PTRACE_GETSIGINFO = 0x4202,
        PTRACE_SETSIGINFO = 0x4203, PTRACE_GETREGSET = 0x4204, PTRACE_SETREGSET = 0x4205, PTRACE_SEIZE = 0x4206,
        PTRACE_INTERRUPT = 0x4207, PTRACE_LISTEN = 0x4208, PTRACE_GET_SYSCALL_INFO = 0x420e;
    const ulong NT_PRSTATUS = 1, NT_PRFPREG = 2, NT_X86_XSTATE = 0x202;
    /// <summary>The kernel's struct user: the registers first, u_debugreg[8] near its end (then error_code, fault_address).</summary>
    const ulong UserDebugRegOffset = 848, UserSize = 928;
    static readonly int RegsSize = Marshal.SizeOf<Registers>();
    /// <summary>The flags a tracer may set (Linux's FLAG_MASK: no IOPL, no IF, no VM).</summary>
    const ulong UserFlags = 0x40dd5 | 0x100 /* TF */;

    public static void Register(SyscallHandler?[] t)
    {
        t[Nr.ptrace] = (k, req, pid, addr, data, _, _) => Ptrace(k, (long)req, (int)pid, addr, data);
    }

    static long Ptrace(Task t, long req, int pid, ulong addr, ulong data)
    {
        switch (req)
        {
            case PTRACE_TRACEME: return TraceMe(t);
            case PTRACE_ATTACH: return Attach(t, pid, seize: false, 0);
            case PTRACE_SEIZE:
                if (addr != 0 || (data & ~(ulong)Kernel.Ptrace.OptionMask) != 0) return Err(Errno.EIO);
                return Attach(t, pid, seize: true, (int)data);
        }
        var c = pid > 0 ? t.PidNs.Lookup(pid) : null;
        if (c == null || c.Tracer != t.Group || c.Zombie) return Err(Errno.ESRCH);
        if (req == PTRACE_KILL)
        {
            c.SendSignal(Task.SIGKILL, Task.UserInfo(Task.SIGKILL, Task.SI_KERNEL, 0, 0));
            return 0;
        }
        if (req == PTRACE_INTERRUPT)
        {
            if (!c.PtraceSeized) return Err(Errno.EIO);
            c.PtraceInterrupt();
            return 0;
        }
        // Everything else needs the tracee in a ptrace-stop.
        if (!c.PtraceStoppedNow) return Err(Errno.ESRCH);
        switch (req)
        {
            case PTRACE_PEEKTEXT or PTRACE_PEEKDATA:
            {
                ulong word = 0;
                if (c.MM.AccessForced(addr, MemoryMarshal.AsBytes(new Span<ulong>(ref word)), write: false) != 8) return Err(Errno.EIO);
                return t.Mem.Write(data, word) ? 0 : Err(Errno.EFAULT);
            }
            case PTRACE_POKETEXT or PTRACE_POKEDATA:
                return c.MM.AccessForced(addr, MemoryMarshal.AsBytes(new Span<ulong>(ref data)), write: true) == 8 ? 0 : Err(Errno.EIO);
            case PTRACE_PEEKUSER:
            {
                if ((addr & 7) != 0 || addr >= UserSize) return Err(Errno.EIO);
                ulong v = addr < (ulong)RegsSize ? RegAt(ref c.Regs, (int)addr / 8) : 0; // no debug registers are set
                return t.Mem.Write(data, v) ? 0 : Err(Errno.EFAULT);
            }
            case PTRACE_POKEUSER:
            {
                if ((addr & 7) != 0 || addr >= UserSize) return Err(Errno.EIO);
                if (addr < (ulong)RegsSize)
                {
                    var regs = c.Regs;
                    RegAt(ref regs, (int)addr / 8) = data;
                    return SetRegs(c, regs);
                }
                // Debug registers: only clearing them is possible here (no hardware breakpoints).
                return addr >= UserDebugRegOffset && data == 0 ? 0 : Err(Errno.EIO);
            }
            case PTRACE_GETREGS:
                return t.Mem.Write(data, c.Regs) ? 0 : Err(Errno.EFAULT);
            case PTRACE_SETREGS:
                return t.Mem.Read(data, out Registers nr) ? SetRegs(c, nr) : Err(Errno.EFAULT);
            case PTRACE_GETFPREGS:
                return t.Mem.Write(data, c.PtraceFp) ? 0 : Err(Errno.EFAULT);
            case PTRACE_SETFPREGS:
            {
                var fx = new byte[XSave.FxSaveSize];
                if (!t.Mem.Read(data, fx)) return Err(Errno.EFAULT);
                SetFp(c, fx);
                return 0;
            }
            case PTRACE_GETREGSET or PTRACE_SETREGSET:
                return RegSet(t, c, addr, data, req == PTRACE_SETREGSET);
            case PTRACE_GETSIGINFO:
                return t.Mem.Write(data, c.PtraceSigInfo.AsSpan(0, SigInfo.Size)) ? 0 : Err(Errno.EFAULT);
            case PTRACE_SETSIGINFO:
            {
                var si = new byte[SigInfo.Size];
                if (!t.Mem.Read(data, si)) return Err(Errno.EFAULT);
                c.PtraceSigInfo = si;
                return 0;
            }
            case PTRACE_GETEVENTMSG:
                return t.Mem.Write(data, c.PtraceEventMsg) ? 0 : Err(Errno.EFAULT);
            case PTRACE_SETOPTIONS:
                if ((data & ~(ulong)Kernel.Ptrace.OptionMask) != 0) return Err(Errno.EINVAL);
                c.PtraceOptions = (int)data;
                return 0;
            case PTRACE_GET_SYSCALL_INFO:
                return SyscallInfo(t, c, addr, data);
            case PTRACE_CONT or PTRACE_SYSCALL or PTRACE_SYSEMU or PTRACE_SINGLESTEP or PTRACE_SYSEMU_SINGLESTEP:
                if (data > SignalState.NSig) return Err(Errno.EIO);
                c.PtraceResumeFrom(req switch
                {
                    PTRACE_SYSCALL => PtraceResume.Syscall,
                    PTRACE_SYSEMU or PTRACE_SYSEMU_SINGLESTEP => PtraceResume.Sysemu,
                    _ => PtraceResume.Cont,
                }, (int)data, step: req is PTRACE_SINGLESTEP or PTRACE_SYSEMU_SINGLESTEP);
                return 0;
            case PTRACE_LISTEN:
                // Only a seized tracee in a group stop (PTRACE_EVENT_STOP) listens.
                if (!c.PtraceSeized || c.PtraceExitCode >> 8 != Kernel.Ptrace.EVENT_STOP) return Err(Errno.EIO);
                c.PtraceResumeFrom(PtraceResume.Listen, 0);
                return 0;
            case PTRACE_DETACH:
            {
                if (data > SignalState.NSig) return Err(Errno.EIO);
                lock (t.Kernel.TreeLock) c.PtraceUnlink();
                c.PtraceResumeFrom(PtraceResume.Cont, (int)data);
                c.PtraceWake();
                return 0;
            }
            default:
                return Err(Errno.EIO);
        }
    }

    static long TraceMe(Task t)
    {
        lock (t.Kernel.TreeLock)
        {
            if (t.Tracer != null || t.Parent == null) return Err(Errno.EPERM);
            if (!Kernel.Landlock.LandlockChecks.MayTrace(t.Parent, t)) return Err(Errno.EPERM);
            t.PtraceLink(t.Parent.Group, seized: false, 0);
        }
        return 0;
    }

    /// <summary>PTRACE_ATTACH and PTRACE_SEIZE, with ptrace_attach's checks in Linux's order.</summary>
    static long Attach(Task t, int pid, bool seize, int options)
    {
        var c = pid > 0 ? t.PidNs.Lookup(pid) : null;
        if (c == null) return Err(Errno.ESRCH);
        if (c.Tgid == t.Tgid) return Err(Errno.EPERM);
        if (!ProcessVmSyscalls.MayAccess(t, c)) return Err(Errno.EPERM);
        lock (t.Kernel.TreeLock)
        {
            if (c.Zombie || c.Exited || c.Tracer != null) return Err(Errno.EPERM);
            c.PtraceLink(t.Group, seize, options);
        }
        if (!seize) c.SendSignal(Task.SIGSTOP, Task.UserInfo(Task.SIGSTOP, Task.SI_KERNEL, 0, 0), shared: false);
        c.PtraceWake(); // a group-stopped tracee now reports its stop
        return 0;
    }

    static ref ulong RegAt(ref Registers r, int i) => ref MemoryMarshal.CreateSpan(ref r.R15, RegsSize / 8)[i];

    /// <summary>putreg's rules for a whole register set: segments stay what they are, a TLS base must be a user
    /// address, only the user flags change.</summary>
    static long SetRegs(Task c, Registers n)
    {
        var o = c.Regs;
        if (n.FsBase >= Memory.MemoryManager.TaskSize || n.GsBase >= Memory.MemoryManager.TaskSize) return Err(Errno.EIO);
        if (n.Cs != o.Cs || n.Ss != o.Ss || n.Ds != o.Ds || n.Es != o.Es || n.Fs != o.Fs || n.Gs != o.Gs) return Err(Errno.EIO);
        n.Eflags = (o.Eflags & ~UserFlags) | (n.Eflags & UserFlags);
        c.Regs = n;
        return 0;
    }

    static void SetFp(Task c, ReadOnlySpan<byte> fx)
    {
        fx.CopyTo(c.PtraceFp);
        // MXCSR's reserved bits would make the restore fail (Linux masks them with mxcsr_feature_mask).
        uint mxcsr = BitConverter.ToUInt32(c.PtraceFp, 24) & 0xffff;
        BitConverter.TryWriteBytes(c.PtraceFp.AsSpan(24), mxcsr);
        c.PtraceFpDirty = true;
        if (c.PtraceXStateSize == 0) return;
        // The extended state's legacy part is the same registers, now in use (Linux's xfpregs_set).
        var x = c.PtraceXState!;
        c.PtraceFp.AsSpan(0, XSave.PtraceXcr0At).CopyTo(x);
        BitConverter.TryWriteBytes(x.AsSpan(XSave.HeaderAt), BitConverter.ToUInt64(x, XSave.HeaderAt) | XSave.FeatureFpSse);
        c.PtraceXStateDirty = true;
    }

    /// <summary>SETREGSET NT_X86_XSTATE: the whole area, with Linux's checks (validate_user_xstate_header).</summary>
    static long SetXState(Task c, ReadOnlySpan<byte> x)
    {
        var xcr0 = BitConverter.ToUInt64(c.PtraceXState!, XSave.PtraceXcr0At);
        if ((BitConverter.ToUInt64(x[XSave.HeaderAt..]) & ~xcr0) != 0) return Err(Errno.EINVAL);
        if (x.Slice(XSave.HeaderAt + 8, XSave.HeaderSize - 8).IndexOfAnyExcept((byte)0) >= 0) return Err(Errno.EINVAL);
        if ((BitConverter.ToUInt32(x[24..]) & ~0xffffu) != 0) return Err(Errno.EINVAL);
        var keep = c.PtraceXState.AsSpan(XSave.PtraceXcr0At, XSave.HeaderAt - XSave.PtraceXcr0At).ToArray(); // the software bytes are the kernel's
        x.CopyTo(c.PtraceXState);
        keep.CopyTo(c.PtraceXState.AsSpan(XSave.PtraceXcr0At));
        c.PtraceXState.AsSpan(0, XSave.PtraceXcr0At).CopyTo(c.PtraceFp);
        c.PtraceXStateDirty = true;
        return 0;
    }

    /// <summary>GETREGSET/SETREGSET: NT_PRSTATUS (user_regs_struct), NT_PRFPREG (fxsave) and NT_X86_XSTATE (the
    /// XSAVE area, set only whole); the iovec's length is cut to the set's size and says how much was moved.</summary>
    static long RegSet(Task t, Task c, ulong type, ulong data, bool set)
    {
        if (type == NT_X86_XSTATE && c.PtraceXStateSize > 0)
        {
            if (!t.Mem.Read(data, out IoVec xiov)) return Err(Errno.EFAULT);
            int size = c.PtraceXStateSize;
            if (set)
            {
                if ((int)xiov.Len != size) return Err(Errno.EFAULT);
                var x = new byte[size];
                if (!t.Mem.Read((ulong)xiov.Base, x)) return Err(Errno.EFAULT);
                if (SetXState(c, x) is var e && e != 0) return e;
            }
            else
            {
                int len = (int)Math.Min((ulong)xiov.Len, (ulong)size);
                if (!t.Mem.Write((ulong)xiov.Base, c.PtraceXState.AsSpan(0, len))) return Err(Errno.EFAULT);
                xiov.Len = (nuint)len;
            }
            return t.Mem.Write(data, xiov) ? 0 : Err(Errno.EFAULT);
        }
        if (type is not (NT_PRSTATUS or NT_PRFPREG)) return Err(Errno.EINVAL);
        if (!t.Mem.Read(data, out IoVec iov)) return Err(Errno.EFAULT);
        if ((ulong)iov.Len % 8 != 0) return Err(Errno.EINVAL);
        var regs = c.Regs;
        var bytes = type == NT_PRSTATUS ? MemoryMarshal.AsBytes(new Span<Registers>(ref regs)).ToArray() : (byte[])c.PtraceFp.Clone();
        int n = (int)Math.Min((ulong)iov.Len, (ulong)bytes.Length);
        if (set)
        {
            if (!t.Mem.Read((ulong)iov.Base, bytes.AsSpan(0, n))) return Err(Errno.EFAULT);
            if (type == NT_PRFPREG) SetFp(c, bytes);
            else if (SetRegs(c, MemoryMarshal.Read<Registers>(bytes)) is var r && r != 0) return r;
        }
        else if (!t.Mem.Write((ulong)iov.Base, bytes.AsSpan(0, n))) return Err(Errno.EFAULT);
        iov.Len = (nuint)n;
        return t.Mem.Write(data, iov) ? 0 : Err(Errno.EFAULT);
    }

    /// <summary>PTRACE_GET_SYSCALL_INFO: struct ptrace_syscall_info for the stop (entry, exit, seccomp, or none),
    /// at most size bytes written; returns the whole structure's size for that kind.</summary>
    static long SyscallInfo(Task t, Task c, ulong size, ulong data)
    {
        const byte OpNone = 0, OpEntry = 1, OpExit = 2, OpSeccomp = 3;
        const int HeadSize = 24;
        var b = new byte[88];
        var r = c.Regs;
        int code = c.PtraceExitCode;
        byte op = OpNone;
        int len = HeadSize;
        void Entry()
        {
            BitConverter.TryWriteBytes(b.AsSpan(HeadSize), r.OrigRax);
            for (int i = 0; i < 6; i++) BitConverter.TryWriteBytes(b.AsSpan(HeadSize + 8 + 8 * i), r.Arg(i));
        }
        if (code == (Task.SIGTRAP | 0x80) && c.PtraceEventMsg == Kernel.Ptrace.EVENTMSG_SYSCALL_ENTRY)
        {
            op = OpEntry;
            Entry();
            len = HeadSize + 56;
        }
        else if (code == (Task.SIGTRAP | 0x80) && c.PtraceEventMsg == Kernel.Ptrace.EVENTMSG_SYSCALL_EXIT)
        {
            op = OpExit;
            long rv = (long)r.Rax;
            BitConverter.TryWriteBytes(b.AsSpan(HeadSize), rv);
            b[HeadSize + 8] = (byte)(rv < 0 && rv >= -4095 ? 1 : 0);
            len = HeadSize + 9;
        }
        else if (code == (Task.SIGTRAP | Kernel.Ptrace.EVENT_SECCOMP << 8))
        {
            op = OpSeccomp;
            Entry();
            BitConverter.TryWriteBytes(b.AsSpan(HeadSize + 56), (uint)c.PtraceEventMsg);
            len = HeadSize + 60;
        }
        b[0] = op;
        BitConverter.TryWriteBytes(b.AsSpan(4), Task.AUDIT_ARCH_X86_64);
        BitConverter.TryWriteBytes(b.AsSpan(8), r.Rip);
        BitConverter.TryWriteBytes(b.AsSpan(16), r.Rsp);
        int n = (int)Math.Min(size, (ulong)len);
        return t.Mem.Write(data, b.AsSpan(0, n)) ? len : Err(Errno.EFAULT);
    }
}
