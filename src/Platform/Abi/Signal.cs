using System.Runtime.InteropServices;

namespace AppKernel;

/// <summary>The kernel's siginfo_t (128 bytes). The union members sit at fixed offsets: the sender's pid and uid
/// (kill, sigqueue, SIGCHLD), the child's status (SIGCHLD) or the value (sigqueue, timers), the fault address.</summary>
[StructLayout(LayoutKind.Explicit, Size = 128)]
public struct SigInfo
{
    public const int Size = 128;
    [FieldOffset(0)] public int Signo;
    [FieldOffset(4)] public int Errno;
    [FieldOffset(8)] public int Code;
    [FieldOffset(16)] public int Pid;
    [FieldOffset(20)] public int Uid;
    [FieldOffset(24)] public int Status;
    [FieldOffset(24)] public ulong Value;
    [FieldOffset(16)] public ulong Addr; // si_addr for faults
    [FieldOffset(16)] public int TimerId; // POSIX timers
    [FieldOffset(20)] public int Overrun;
    [FieldOffset(24)] public int Syscall; // SIGSYS from seccomp: the call, and its AUDIT_ARCH
    [FieldOffset(28)] public uint Arch;
    [FieldOffset(16)] public long Band; // SIGIO/SIGPOLL: the poll events, and the fd
    [FieldOffset(24)] public int Fd;

    /// <summary>The 128 bytes the signal queues keep.</summary>
    public readonly byte[] ToArray()
    {
        var b = new byte[Size];
        System.Runtime.InteropServices.MemoryMarshal.Write(b, in this);
        return b;
    }
}

/// <summary>The kernel's struct sigaction for rt_sigaction (32 bytes: handler, flags, restorer, mask) — not glibc's.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct SigAction
{
    public ulong Handler;
    public ulong Flags;
    public ulong Restorer;
    public ulong Mask;
}

/// <summary>stack_t (24 bytes) of sigaltstack.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct SigAltStack
{
    public ulong Sp;
    public int Flags;
    int _pad;
    public ulong Size;
}

/// <summary>The kernel's struct sigcontext of x86-64 (256 bytes), inside the signal frame's ucontext.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct SigContext
{
    public ulong R8, R9, R10, R11, R12, R13, R14, R15, Rdi, Rsi, Rbp, Rbx, Rdx, Rax, Rcx, Rsp, Rip, Eflags;
    public ushort Cs, Gs, Fs, Ss;
    public ulong Err, Trapno, Oldmask, Cr2, FpState;
    public ulong R1, R2, R3, R4, R5, R6, R7, R8x;
}

/// <summary>The kernel's struct ucontext (304 bytes; an 8-byte signal mask, unlike glibc's ucontext_t).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct UContext
{
    public ulong Flags, Link;
    public SigAltStack Stack;
    public SigContext Mc;
    public ulong Mask;
}

/// <summary>struct signalfd_siginfo (128 bytes), what a signalfd read returns per signal.</summary>
[StructLayout(LayoutKind.Sequential, Size = 128)]
public struct SignalfdSiginfo
{
    public uint Signo;
    public int Errno, Code;
    public uint Pid, Uid;
    public int Fd;
    public uint Tid, Band, Overrun, Trapno;
    public int Status, Int;
    public ulong Ptr, Utime, Stime, Addr;
    public ushort AddrLsb;
}
