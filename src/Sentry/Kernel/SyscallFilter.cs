using Microsoft.Extensions.Logging;

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
    public const int SYS_SECCOMP = 1;          // SIGSYS's si_code
    const uint AuditArchX86_64 = 0xC000003E;
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

    /// <summary>Applies the profile to t's call: null to run it, else the value it returns (the call is not made).
    /// The kill actions end the process with SIGSYS (KILL_THREAD, when other threads remain, ends only t);
    /// TRAP queues SIGSYS with the call's number; TRACE, with no tracer, is ENOSYS.</summary>
    public long? Check(Task t, long nr, ReadOnlySpan<ulong> args)
    {
        var (action, errno) = Decide(nr, args);
        switch (action)
        {
            case FilterAction.Allow:
                return null;
            case FilterAction.Log:
                t.Kernel.Log.LogInformation("seccomp: pid {Pid} {Name} allowed by a log rule", t.Tgid, Syscalls.SyscallNames.Of(nr));
                return null;
            case FilterAction.Errno:
                return -(long)errno;
            case FilterAction.Trace:
                return -(long)Errno.ENOSYS;
            case FilterAction.Trap:
                t.SendSignal(Task.SIGSYS, new SigInfo { Signo = Task.SIGSYS, Code = SYS_SECCOMP, Addr = t.Regs.Rip, Syscall = (int)nr, Arch = AuditArchX86_64 }.ToArray(), shared: false);
                return -(long)Errno.ENOSYS;
            case FilterAction.KillThread when t.Group.Threads().Count > 1:
                t.Stop(0, Task.SIGSYS, false);
                return -(long)Errno.ENOSYS;
            default:
                t.Terminate(Task.SIGSYS, true);
                return -(long)Errno.ENOSYS;
        }
    }
}
