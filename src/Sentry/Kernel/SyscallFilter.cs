namespace AppKernel.Sentry.Kernel;

/// <summary>What a <see cref="SyscallFilter"/> does with a call, in precedence order (the most restrictive of the
/// rules that match wins, as libseccomp's filters decide).</summary>
public enum FilterAction { KillProcess, KillThread, Trap, Errno, Trace, Log, Allow }

/// <summary>A comparison of one argument, as an OCI profile's args entry: op(args[Index], Value[, ValueTwo]).</summary>
public enum FilterOp { NotEqual, Less, LessOrEqual, Equal, GreaterOrEqual, Greater, MaskedEqual }

public readonly record struct FilterArg(int Index, ulong Value, ulong ValueTwo, FilterOp Op)
{
    public bool Holds(ulong a) => Op switch
    {
        FilterOp.NotEqual => a != Value,
        FilterOp.Less => a < Value,
        FilterOp.LessOrEqual => a <= Value,
        FilterOp.Equal => a == Value,
        FilterOp.GreaterOrEqual => a >= Value,
        FilterOp.Greater => a > Value,
        _ => (a & Value) == ValueTwo,
    };
}

/// <summary>One rule: the action when every condition holds (none: always).</summary>
public sealed record FilterRule(FilterAction Action, int Errno, FilterArg[] Args);

/// <summary>
/// A container's seccomp profile (the OCI spec's linux.seccomp), enforced by the Sentry on the guest's calls: the
/// guest's syscalls never reach the host, so the profile is checked where they are served, before the handler.
/// Inherited across fork and kept across exec, like a seccomp filter; /proc/PID/status shows it as mode 2.
/// </summary>
public sealed class SyscallFilter
{
    readonly FilterAction _default;
    readonly int _defaultErrno;
    readonly List<FilterRule>?[] _rules = new List<FilterRule>?[Syscalls.SyscallNames.Count];

    public SyscallFilter(FilterAction defaultAction, int defaultErrno)
    {
        _default = defaultAction;
        _defaultErrno = defaultErrno;
    }

    public void Add(int nr, FilterRule rule)
    {
        if (nr >= 0 && nr < _rules.Length) (_rules[nr] ??= []).Add(rule);
    }

    /// <summary>The action for a call: the most restrictive matching rule's, else the default.</summary>
    public (FilterAction Action, int Errno) Decide(long nr, ReadOnlySpan<ulong> args)
    {
        var rules = nr >= 0 && nr < _rules.Length ? _rules[nr] : null;
        if (rules == null) return (_default, _defaultErrno);
        (FilterAction Action, int Errno)? best = null;
        foreach (var r in rules)
        {
            bool all = true;
            foreach (var c in r.Args)
                if (c.Index is < 0 or > 5 || !c.Holds(args[c.Index])) { all = false; break; }
            if (all && (best == null || r.Action < best.Value.Action)) best = (r.Action, r.Errno);
        }
        return best ?? (_default, _defaultErrno);
    }

    /// <summary>The decision as a seccomp filter's return value (the profile is the first filter of the chain).</summary>
    public uint Ret(long nr, ReadOnlySpan<ulong> args)
    {
        var (action, errno) = Decide(nr, args);
        return action switch
        {
            FilterAction.KillProcess => Seccomp.SeccompRet.KILL_PROCESS,
            FilterAction.KillThread => Seccomp.SeccompRet.KILL_THREAD,
            FilterAction.Trap => Seccomp.SeccompRet.TRAP,
            FilterAction.Errno => Seccomp.SeccompRet.ERRNO | ((uint)errno & Seccomp.SeccompRet.DATA),
            FilterAction.Trace => Seccomp.SeccompRet.TRACE,
            FilterAction.Log => Seccomp.SeccompRet.LOG,
            _ => Seccomp.SeccompRet.ALLOW,
        };
    }
}
