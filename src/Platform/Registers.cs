using System.Runtime.InteropServices;

namespace AppKernel.Platform;

/// <summary>x86-64 general registers in the kernel's user_regs_struct layout (PTRACE_GETREGS).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct Registers
{
    public ulong R15, R14, R13, R12, Rbp, Rbx, R11, R10, R9, R8, Rax, Rcx, Rdx, Rsi, Rdi, OrigRax, Rip, Cs, Eflags, Rsp, Ss, FsBase, GsBase, Ds, Es, Fs, Gs;

    public readonly ulong Arg(int i) => i switch
    {
        0 => Rdi, 1 => Rsi, 2 => Rdx, 3 => R10, 4 => R8, 5 => R9, _ => 0,
    };
}
