using System.Runtime.InteropServices;

namespace AppKernel.Sentry.Kernel.Seccomp;

/// <summary>One classic-BPF instruction, struct sock_filter (8 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct SockFilter
{
    public ushort Code;
    public byte Jt, Jf;
    public uint K;
}

/// <summary>struct seccomp_data (64 bytes): what a seccomp filter reads.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct SeccompData
{
    public const int Size = 64;
    public int Nr;
    public uint Arch;
    public ulong InstructionPointer;
    public ulong Arg0, Arg1, Arg2, Arg3, Arg4, Arg5;
}

/// <summary>
/// Classic BPF as seccomp uses it: Linux's checks at install (bpf_check_classic, check_load_and_stores, then
/// seccomp_check_filter's narrower instruction set, with loads only of aligned words inside struct seccomp_data)
/// and an interpreter for the accepted programs.
/// </summary>
public static class ClassicBpf
{
    public const int BPF_MAXINSNS = 4096, BPF_MEMWORDS = 16;
    // Instruction classes, sizes, modes, operations and sources (linux/bpf_common.h).
    public const ushort BPF_LD = 0x00, BPF_LDX = 0x01, BPF_ST = 0x02, BPF_STX = 0x03, BPF_ALU = 0x04, BPF_JMP = 0x05,
        BPF_RET = 0x06, BPF_MISC = 0x07;
    public const ushort BPF_W = 0x00, BPF_H = 0x08, BPF_B = 0x10;
    public const ushort BPF_IMM = 0x00, BPF_ABS = 0x20, BPF_IND = 0x40, BPF_MEM = 0x60, BPF_LEN = 0x80, BPF_MSH = 0xa0;
    public const ushort BPF_ADD = 0x00, BPF_SUB = 0x10, BPF_MUL = 0x20, BPF_DIV = 0x30, BPF_OR = 0x40, BPF_AND = 0x50,
        BPF_LSH = 0x60, BPF_RSH = 0x70, BPF_NEG = 0x80, BPF_MOD = 0x90, BPF_XOR = 0xa0;
    public const ushort BPF_JA = 0x00, BPF_JEQ = 0x10, BPF_JGT = 0x20, BPF_JGE = 0x30, BPF_JSET = 0x40;
    public const ushort BPF_K = 0x00, BPF_X = 0x08, BPF_A = 0x10;
    public const ushort BPF_TAX = 0x00, BPF_TXA = 0x80;
    const uint SKF_AD_OFF = unchecked((uint)-0x1000);

    /// <summary>The opcodes classic BPF knows at all (Linux's chk_code_allowed table).</summary>
    static bool Known(ushort code) => code switch
    {
        BPF_ALU | BPF_ADD | BPF_K or BPF_ALU | BPF_ADD | BPF_X or BPF_ALU | BPF_SUB | BPF_K or BPF_ALU | BPF_SUB | BPF_X
            or BPF_ALU | BPF_MUL | BPF_K or BPF_ALU | BPF_MUL | BPF_X or BPF_ALU | BPF_DIV | BPF_K or BPF_ALU | BPF_DIV | BPF_X
            or BPF_ALU | BPF_MOD | BPF_K or BPF_ALU | BPF_MOD | BPF_X or BPF_ALU | BPF_AND | BPF_K or BPF_ALU | BPF_AND | BPF_X
            or BPF_ALU | BPF_OR | BPF_K or BPF_ALU | BPF_OR | BPF_X or BPF_ALU | BPF_XOR | BPF_K or BPF_ALU | BPF_XOR | BPF_X
            or BPF_ALU | BPF_LSH | BPF_K or BPF_ALU | BPF_LSH | BPF_X or BPF_ALU | BPF_RSH | BPF_K or BPF_ALU | BPF_RSH | BPF_X
            or BPF_ALU | BPF_NEG => true,
        BPF_LD | BPF_W | BPF_ABS or BPF_LD | BPF_H | BPF_ABS or BPF_LD | BPF_B | BPF_ABS or BPF_LD | BPF_W | BPF_LEN
            or BPF_LD | BPF_W | BPF_IND or BPF_LD | BPF_H | BPF_IND or BPF_LD | BPF_B | BPF_IND or BPF_LD | BPF_IMM
            or BPF_LD | BPF_MEM or BPF_LDX | BPF_W | BPF_LEN or BPF_LDX | BPF_B | BPF_MSH or BPF_LDX | BPF_IMM
            or BPF_LDX | BPF_MEM => true,
        BPF_ST or BPF_STX or BPF_MISC | BPF_TAX or BPF_MISC | BPF_TXA or BPF_RET | BPF_K or BPF_RET | BPF_A => true,
        BPF_JMP | BPF_JA or BPF_JMP | BPF_JEQ | BPF_K or BPF_JMP | BPF_JEQ | BPF_X or BPF_JMP | BPF_JGE | BPF_K
            or BPF_JMP | BPF_JGE | BPF_X or BPF_JMP | BPF_JGT | BPF_K or BPF_JMP | BPF_JGT | BPF_X or BPF_JMP | BPF_JSET | BPF_K
            or BPF_JMP | BPF_JSET | BPF_X => true,
        _ => false,
    };

    static bool IsConditional(ushort code) => (code & 0x07) == BPF_JMP && (code & 0xf0) != BPF_JA;

    /// <summary>Linux's bpf_check_classic then seccomp_check_filter: false (EINVAL) for anything they reject.
    /// Rewrites the length loads into immediates, as seccomp does.</summary>
    public static bool CheckForSeccomp(SockFilter[] prog)
    {
        int n = prog.Length;
        if (n == 0 || n > BPF_MAXINSNS) return false;
        for (int pc = 0; pc < n; pc++)
        {
            var f = prog[pc];
            if (!Known(f.Code)) return false;
            switch (f.Code)
            {
                case BPF_ALU | BPF_DIV | BPF_K:
                case BPF_ALU | BPF_MOD | BPF_K:
                    if (f.K == 0) return false;
                    break;
                case BPF_ALU | BPF_LSH | BPF_K:
                case BPF_ALU | BPF_RSH | BPF_K:
                    if (f.K >= 32) return false;
                    break;
                case BPF_LD | BPF_MEM:
                case BPF_LDX | BPF_MEM:
                case BPF_ST:
                case BPF_STX:
                    if (f.K >= BPF_MEMWORDS) return false;
                    break;
                case BPF_JMP | BPF_JA:
                    if (f.K >= (uint)(n - pc - 1)) return false;
                    break;
                case BPF_LD | BPF_W | BPF_ABS:
                case BPF_LD | BPF_H | BPF_ABS:
                case BPF_LD | BPF_B | BPF_ABS:
                    if (f.K >= SKF_AD_OFF) return false; // seccomp has no ancillary loads
                    break;
                default:
                    if (IsConditional(f.Code) && (pc + f.Jt + 1 >= n || pc + f.Jf + 1 >= n)) return false;
                    break;
            }
        }
        if (prog[n - 1].Code is not (BPF_RET | BPF_K) and not (BPF_RET | BPF_A)) return false;
        if (!LoadsFollowStores(prog)) return false;
        // seccomp_check_filter: only these instructions, word loads inside struct seccomp_data.
        for (int pc = 0; pc < n; pc++)
        {
            ref var f = ref prog[pc];
            switch (f.Code)
            {
                case BPF_LD | BPF_W | BPF_ABS:
                    if (f.K >= SeccompData.Size || (f.K & 3) != 0) return false;
                    break;
                case BPF_LD | BPF_W | BPF_LEN:
                    f.Code = BPF_LD | BPF_IMM; f.K = SeccompData.Size;
                    break;
                case BPF_LDX | BPF_W | BPF_LEN:
                    f.Code = BPF_LDX | BPF_IMM; f.K = SeccompData.Size;
                    break;
                case BPF_ALU | BPF_MOD | BPF_K or BPF_ALU | BPF_MOD | BPF_X:
                case BPF_LD | BPF_H | BPF_ABS or BPF_LD | BPF_B | BPF_ABS:
                case BPF_LD | BPF_W | BPF_IND or BPF_LD | BPF_H | BPF_IND or BPF_LD | BPF_B | BPF_IND:
                case BPF_LDX | BPF_B | BPF_MSH:
                    return false;
            }
        }
        return true;
    }

    /// <summary>check_load_and_stores: a scratch word is read only where every path to it has stored it.</summary>
    static bool LoadsFollowStores(SockFilter[] prog)
    {
        var masks = new ushort[prog.Length];
        Array.Fill(masks, (ushort)0xffff);
        ushort valid = 0;
        for (int pc = 0; pc < prog.Length; pc++)
        {
            var f = prog[pc];
            valid &= masks[pc];
            switch (f.Code)
            {
                case BPF_ST:
                case BPF_STX:
                    valid |= (ushort)(1 << (int)f.K);
                    break;
                case BPF_LD | BPF_MEM:
                case BPF_LDX | BPF_MEM:
                    if ((valid & (1 << (int)f.K)) == 0) return false;
                    break;
                case BPF_JMP | BPF_JA:
                    masks[pc + 1 + f.K] &= valid;
                    valid = 0xffff;
                    break;
                default:
                    if (IsConditional(f.Code))
                    {
                        masks[pc + 1 + f.Jt] &= valid;
                        masks[pc + 1 + f.Jf] &= valid;
                        valid = 0xffff;
                    }
                    break;
            }
        }
        return true;
    }

    /// <summary>Runs a checked program over d: its return value (a division by zero returns 0, as Linux).</summary>
    public static uint Run(SockFilter[] prog, in SeccompData d)
    {
        var data = MemoryMarshal.AsBytes(new ReadOnlySpan<SeccompData>(in d));
        Span<uint> mem = stackalloc uint[BPF_MEMWORDS];
        uint a = 0, x = 0;
        for (int pc = 0; pc < prog.Length; pc++)
        {
            var f = prog[pc];
            switch (f.Code)
            {
                case BPF_LD | BPF_W | BPF_ABS: a = MemoryMarshal.Read<uint>(data[(int)f.K..]); break;
                case BPF_LD | BPF_IMM: a = f.K; break;
                case BPF_LDX | BPF_IMM: x = f.K; break;
                case BPF_LD | BPF_MEM: a = mem[(int)f.K]; break;
                case BPF_LDX | BPF_MEM: x = mem[(int)f.K]; break;
                case BPF_ST: mem[(int)f.K] = a; break;
                case BPF_STX: mem[(int)f.K] = x; break;
                case BPF_MISC | BPF_TAX: x = a; break;
                case BPF_MISC | BPF_TXA: a = x; break;
                case BPF_ALU | BPF_ADD | BPF_K: a += f.K; break;
                case BPF_ALU | BPF_ADD | BPF_X: a += x; break;
                case BPF_ALU | BPF_SUB | BPF_K: a -= f.K; break;
                case BPF_ALU | BPF_SUB | BPF_X: a -= x; break;
                case BPF_ALU | BPF_MUL | BPF_K: a *= f.K; break;
                case BPF_ALU | BPF_MUL | BPF_X: a *= x; break;
                case BPF_ALU | BPF_DIV | BPF_K: a /= f.K; break;
                case BPF_ALU | BPF_DIV | BPF_X: if (x == 0) return 0; a /= x; break;
                case BPF_ALU | BPF_AND | BPF_K: a &= f.K; break;
                case BPF_ALU | BPF_AND | BPF_X: a &= x; break;
                case BPF_ALU | BPF_OR | BPF_K: a |= f.K; break;
                case BPF_ALU | BPF_OR | BPF_X: a |= x; break;
                case BPF_ALU | BPF_XOR | BPF_K: a ^= f.K; break;
                case BPF_ALU | BPF_XOR | BPF_X: a ^= x; break;
                case BPF_ALU | BPF_LSH | BPF_K: a <<= (int)f.K; break;
                case BPF_ALU | BPF_LSH | BPF_X: a <<= (int)x; break; // masked to 5 bits, as x86's shift
                case BPF_ALU | BPF_RSH | BPF_K: a >>= (int)f.K; break;
                case BPF_ALU | BPF_RSH | BPF_X: a >>= (int)x; break;
                case BPF_ALU | BPF_NEG: a = (uint)-(int)a; break;
                case BPF_JMP | BPF_JA: pc += (int)f.K; break;
                case BPF_JMP | BPF_JEQ | BPF_K: pc += a == f.K ? f.Jt : f.Jf; break;
                case BPF_JMP | BPF_JEQ | BPF_X: pc += a == x ? f.Jt : f.Jf; break;
                case BPF_JMP | BPF_JGT | BPF_K: pc += a > f.K ? f.Jt : f.Jf; break;
                case BPF_JMP | BPF_JGT | BPF_X: pc += a > x ? f.Jt : f.Jf; break;
                case BPF_JMP | BPF_JGE | BPF_K: pc += a >= f.K ? f.Jt : f.Jf; break;
                case BPF_JMP | BPF_JGE | BPF_X: pc += a >= x ? f.Jt : f.Jf; break;
                case BPF_JMP | BPF_JSET | BPF_K: pc += (a & f.K) != 0 ? f.Jt : f.Jf; break;
                case BPF_JMP | BPF_JSET | BPF_X: pc += (a & x) != 0 ? f.Jt : f.Jf; break;
                case BPF_RET | BPF_K: return f.K;
                case BPF_RET | BPF_A: return a;
            }
        }
        return 0; // unreachable for a checked program: it ends with a return
    }
}
