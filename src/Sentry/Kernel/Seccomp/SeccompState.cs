namespace AppKernel.Sentry.Kernel.Seccomp;

/// <summary>A filter's return value: the action in the top 16 bits, its data (an errno, a trace message) below.</summary>
public static class SeccompRet
{
    public const uint KILL_PROCESS = 0x80000000, KILL_THREAD = 0, TRAP = 0x00030000, ERRNO = 0x00050000,
        USER_NOTIF = 0x7fc00000, TRACE = 0x7ff00000, LOG = 0x7ffc0000, ALLOW = 0x7fff0000;
    public const uint ACTION_FULL = 0xffff0000, DATA = 0x0000ffff;

    /// <summary>Linux's ACTION_ONLY: actions compare as signed numbers, so KILL_PROCESS is the most restrictive.</summary>
    public static int Rank(uint ret) => (int)(ret & ACTION_FULL);

    /// <summary>Whether SECCOMP_GET_ACTION_AVAIL knows the value (compared whole, data bits included).</summary>
    public static bool Known(uint action) => action is KILL_PROCESS or KILL_THREAD or TRAP or ERRNO or USER_NOTIF or TRACE or LOG or ALLOW;
}

/// <summary>One installed filter. Filters form a chain from the newest to the first; a chain is never changed, only
/// extended, so tasks share it (fork, TSYNC) and a thread's chain is an ancestor of another's by reference.</summary>
public abstract class SeccompFilter
{
    public SeccompFilter? Prev { get; init; }
    /// <summary>SECCOMP_FILTER_FLAG_LOG: actions other than ALLOW are logged.</summary>
    public bool Log { get; init; }
    /// <summary>The instructions this filter counts toward MAX_INSNS_PER_PATH.</summary>
    public abstract int Length { get; }
    /// <summary>SECCOMP_FILTER_FLAG_NEW_LISTENER's notification queue (RET_USER_NOTIF goes there).</summary>
    public SeccompListener? Listener { get; init; }
    public abstract uint Run(in SeccompData d);
}

/// <summary>A guest's classic-BPF program, checked at install.</summary>
public sealed class BpfFilter(SockFilter[] prog) : SeccompFilter
{
    public override int Length => prog.Length;
    public override uint Run(in SeccompData d) => ClassicBpf.Run(prog, d);
}

/// <summary>The container's OCI profile as the first filter of its init's chain (gVisor installs it the same way).</summary>
public sealed class ProfileFilter(SyscallFilter profile) : SeccompFilter
{
    public override int Length => 1;
    public override uint Run(in SeccompData d)
    {
        ReadOnlySpan<ulong> args = [d.Arg0, d.Arg1, d.Arg2, d.Arg3, d.Arg4, d.Arg5];
        return profile.Ret(d.Nr, args);
    }
}

/// <summary>
/// A task's seccomp mode and filter chain (Linux's struct seccomp). Immutable: installing makes a new state, so a
/// state is shared freely by forked tasks and TSYNC'd threads, and the run loop reads one reference.
/// </summary>
public sealed class SeccompState
{
    public const int MODE_DISABLED = 0, MODE_STRICT = 1, MODE_FILTER = 2;
    /// <summary>Linux's MAX_INSNS_PER_PATH and the penalty each filter adds to the chain's count.</summary>
    public const int MaxInsnsPerPath = 32768, FilterPenalty = 4;

    public int Mode { get; }
    public SeccompFilter? Top { get; }
    /// <summary>/proc/PID/status's Seccomp_filters.</summary>
    public int Count { get; }

    SeccompState(int mode, SeccompFilter? top, int count) { Mode = mode; Top = top; Count = count; }

    public static readonly SeccompState Strict = new(MODE_STRICT, null, 0);
    public static SeccompState FromProfile(SyscallFilter profile) => new(MODE_FILTER, new ProfileFilter(profile), 1);

    public static int ModeOf(SeccompState? s) => s?.Mode ?? MODE_DISABLED;

    /// <summary>The state with f on top (f.Prev must be this state's top).</summary>
    public static SeccompState Push(SeccompState? s, SeccompFilter f) => new(MODE_FILTER, f, (s?.Count ?? 0) + 1);

    /// <summary>Instructions on the path if a filter of len were added (seccomp_attach_filter's bound).</summary>
    public int PathLength(int len)
    {
        int total = len;
        for (var w = Top; w != null; w = w.Prev) total += w.Length + FilterPenalty;
        return total;
    }

    /// <summary>Whether other's chain is this one's or an ancestor of it (TSYNC's is_ancestor).</summary>
    public bool Extends(SeccompFilter? other)
    {
        if (other == null) return true;
        for (var w = Top; w != null; w = w.Prev) if (w == other) return true;
        return false;
    }

    /// <summary>Runs every filter, newest first; the most restrictive action wins, the newest among equals
    /// (seccomp_run_filters). Returns the value and the filter it came from.</summary>
    public uint Evaluate(in SeccompData d, out SeccompFilter? match)
    {
        uint ret = SeccompRet.ALLOW;
        match = null;
        for (var f = Top; f != null; f = f.Prev)
        {
            uint cur = f.Run(d);
            if (SeccompRet.Rank(cur) < SeccompRet.Rank(ret)) { ret = cur; match = f; }
        }
        return ret;
    }
}
