using System.Runtime.InteropServices;
using N = AppKernel.Platform.Confinement.ConfinementNative;

namespace AppKernel.Platform.Confinement;

/// <summary>seccomp return actions (linux/seccomp.h).</summary>
public static class SeccompAction
{
    public const uint KillProcess = 0x80000000;
    public const uint KillThread = 0x00000000;
    public const uint Trap = 0x00030000;
    public const uint Log = 0x7ffc0000;
    public const uint Allow = 0x7fff0000;

    /// <summary>Fail the call with this errno instead of running it.</summary>
    public static uint Errno(Errno e) => 0x00050000u | ((uint)e & 0xffff);

    public static string Describe(uint action) => (action & 0xffff0000) switch
    {
        KillProcess => "kill-process",
        KillThread => "kill-thread",
        Trap => "trap",
        Log => "log",
        Allow => "allow",
        0x00050000 => $"errno({(AppKernel.Errno)(action & 0xffff)})",
        _ => $"0x{action:x8}",
    };
}

/// <summary>seccomp_data.args[Index] &amp; Mask == Value &amp; Mask, compared on all 64 bits (a 32-bit argument
/// such as an int should use Mask = 0xffffffff: the kernel does not promise that the upper half is zero).</summary>
public readonly record struct ArgMatch(int Index, ulong Value, ulong Mask = ulong.MaxValue);

/// <summary>One classic-BPF instruction (struct sock_filter).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct SockFilter
{
    public ushort Code;
    public byte Jt;
    public byte Jf;
    public uint K;

    public SockFilter(ushort code, byte jt, byte jf, uint k) { Code = code; Jt = jt; Jf = jf; K = k; }
    public override string ToString() => $"{{0x{Code:x2}, {Jt}, {Jf}, 0x{K:x8}}}";
}

/// <summary>
/// Builds and installs a classic-BPF seccomp filter for x86-64: a foreign architecture is always killed, x32
/// numbers (bit 30) and unlisted syscalls get the default action, listed syscalls get their rule's action — the
/// first rule (in the order added) whose argument matches all hold. A syscall's rules are kept together, so the
/// program is a list of blocks "nr == N? try its rules, else default; else next block".
/// </summary>
public sealed class SeccompFilter
{
    public const uint AuditArchX86_64 = 0xC000003E;
    const uint X32SyscallBit = 0x40000000;
    const int MaxInstructions = 4096;            // BPF_MAXINSNS

    // BPF opcodes (linux/filter.h, linux/bpf_common.h)
    const ushort LdAbsW = 0x20;                  // BPF_LD | BPF_W | BPF_ABS
    const ushort JeqK = 0x15;                    // BPF_JMP | BPF_JEQ | BPF_K
    const ushort JgeK = 0x35;                    // BPF_JMP | BPF_JGE | BPF_K
    const ushort AndK = 0x54;                    // BPF_ALU | BPF_AND | BPF_K
    const ushort RetK = 0x06;                    // BPF_RET | BPF_K

    // struct seccomp_data offsets
    const uint OffNr = 0, OffArch = 4, OffArgs = 16;

    sealed record Rule(uint Action, ArgMatch[] Matches);

    readonly Dictionary<int, List<Rule>> rules = new();
    readonly List<int> order = new();

    public uint DefaultAction { get; }

    public SeccompFilter(uint defaultAction) => DefaultAction = defaultAction;

    public IEnumerable<int> Syscalls => order;

    public SeccompFilter Allow(params int[] syscalls)
    {
        foreach (int nr in syscalls) Add(nr, SeccompAction.Allow, Array.Empty<ArgMatch>());
        return this;
    }

    /// <summary>Allow <paramref name="nr"/> when all <paramref name="matches"/> hold; several AllowIf for one syscall are alternatives.</summary>
    public SeccompFilter AllowIf(int nr, params ArgMatch[] matches) => Add(nr, SeccompAction.Allow, matches);

    /// <summary>Give <paramref name="nr"/> a fixed action (e.g. <c>SeccompAction.Errno(Errno.ENOSYS)</c>) when all matches hold.</summary>
    public SeccompFilter Add(int nr, uint action, params ArgMatch[] matches)
    {
        if (nr < 0 || nr >= X32SyscallBit) throw new ArgumentOutOfRangeException(nameof(nr));
        foreach (var m in matches)
            if (m.Index is < 0 or > 5) throw new ArgumentOutOfRangeException(nameof(matches), "argument index must be 0..5");
        if (!rules.TryGetValue(nr, out var list))
        {
            rules[nr] = list = new List<Rule>();
            order.Add(nr);
        }
        list.Add(new Rule(action, matches));
        return this;
    }

    /// <summary>The BPF program. Throws InvalidOperationException if a syscall's rules do not fit an 8-bit jump.</summary>
    public SockFilter[] Build()
    {
        var p = new List<SockFilter>
        {
            new(LdAbsW, 0, 0, OffArch),
            new(JeqK, 1, 0, AuditArchX86_64),
            new(RetK, 0, 0, SeccompAction.KillProcess),
            new(LdAbsW, 0, 0, OffNr),
            new(JgeK, 0, 1, X32SyscallBit),
            new(RetK, 0, 0, DefaultAction),
        };
        foreach (int nr in order)
        {
            var block = new List<SockFilter>();
            bool unconditional = false;
            foreach (var rule in rules[nr])
            {
                var code = RuleCode(rule);
                block.AddRange(code);
                if (rule.Matches.Length == 0) { unconditional = true; break; }   // later rules are unreachable
            }
            if (!unconditional) block.Add(new(RetK, 0, 0, DefaultAction));
            if (block.Count > 255) throw new InvalidOperationException($"seccomp rules for syscall {nr} are too long ({block.Count} instructions)");
            p.Add(new(JeqK, 0, (byte)block.Count, (uint)nr));
            p.AddRange(block);
        }
        p.Add(new(RetK, 0, 0, DefaultAction));
        if (p.Count > MaxInstructions) throw new InvalidOperationException($"seccomp program too long ({p.Count} instructions)");
        return p.ToArray();
    }

    /// <summary>One rule: each compared 32-bit half jumps to the end of the rule (past its RET) on mismatch.</summary>
    static List<SockFilter> RuleCode(Rule rule)
    {
        var checks = new List<(uint Offset, uint Mask, uint Value)>();
        foreach (var m in rule.Matches)
        {
            uint off = OffArgs + 8 * (uint)m.Index;       // little-endian: low half first
            uint loMask = (uint)m.Mask, hiMask = (uint)(m.Mask >> 32);
            if (loMask != 0) checks.Add((off, loMask, (uint)m.Value & loMask));
            if (hiMask != 0) checks.Add((off + 4, hiMask, (uint)(m.Value >> 32) & hiMask));
        }
        // Emit backwards so each jump knows how far the rule's end is.
        var code = new List<SockFilter> { new(RetK, 0, 0, rule.Action) };
        for (int i = checks.Count - 1; i >= 0; i--)
        {
            var (off, mask, value) = checks[i];
            int toEnd = code.Count;                        // instructions after the JEQ up to and including RET
            if (toEnd > 255) throw new InvalidOperationException("seccomp rule too long");
            var part = new List<SockFilter> { new(LdAbsW, 0, 0, off) };
            if (mask != uint.MaxValue) part.Add(new(AndK, 0, 0, mask));
            part.Add(new(JeqK, 0, (byte)toEnd, value));
            code.InsertRange(0, part);
        }
        return code;
    }

    public Errno Install() => Install(out _);

    /// <summary>
    /// Sets PR_SET_NO_NEW_PRIVS and installs the filter with SECCOMP_FILTER_FLAG_TSYNC, so that every thread of
    /// the process (the .NET runtime has several) gets it, and threads started later inherit it. Filters stack:
    /// a syscall must pass every installed filter. Never throws.
    /// </summary>
    public unsafe Errno Install(out string detail) => Install(false, out detail);

    /// <summary>logDenials: SECCOMP_FILTER_FLAG_LOG, so the kernel's audit log records every action but allow
    /// (a denied call of the Sentry is then visible to the host's administrator).</summary>
    public unsafe Errno Install(bool logDenials, out string detail)
    {
        SockFilter[] program;
        try { program = Build(); }
        catch (InvalidOperationException e)
        {
            detail = e.Message;
            return Errno.E2BIG;
        }
        if (N.prctl(N.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        {
            detail = $"prctl(PR_SET_NO_NEW_PRIVS): {N.LastErrno}";
            return N.LastErrno;
        }
        long r;
        fixed (SockFilter* f = program)
        {
            var prog = new SockFprog { Len = (ushort)program.Length, Filter = f };
            r = N.syscall(N.SYS_seccomp, N.SECCOMP_SET_MODE_FILTER, N.SECCOMP_FILTER_FLAG_TSYNC | (logDenials ? N.SECCOMP_FILTER_FLAG_LOG : 0), (long)&prog);
        }
        if (r < 0)
        {
            detail = $"seccomp(SECCOMP_SET_MODE_FILTER, TSYNC): {N.LastErrno}";
            return N.LastErrno;
        }
        if (r > 0)
        {
            // TSYNC returns the id of a thread that could not take the filter (it has a diverging filter).
            detail = $"seccomp TSYNC: thread {r} cannot be synchronised";
            return Errno.EBUSY;
        }
        detail = "";
        return Errno.None;
    }

    [StructLayout(LayoutKind.Sequential)]
    unsafe struct SockFprog
    {
        public ushort Len;
        public SockFilter* Filter;
    }
}
