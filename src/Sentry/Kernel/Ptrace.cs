namespace AppKernel.Sentry.Kernel;

/// <summary>ptrace(2)'s vocabulary: options, events, and the wait codes of ptrace-stops (Linux's uapi/linux/ptrace.h).</summary>
public static class Ptrace
{
    public const int O_TRACESYSGOOD = 1, O_TRACEFORK = 2, O_TRACEVFORK = 4, O_TRACECLONE = 8, O_TRACEEXEC = 0x10,
        O_TRACEVFORKDONE = 0x20, O_TRACEEXIT = 0x40, O_TRACESECCOMP = 0x80, O_EXITKILL = 0x100000, O_SUSPEND_SECCOMP = 0x200000;
    /// <summary>Every option SETOPTIONS and SEIZE accept (PTRACE_O_MASK).</summary>
    public const int OptionMask = 0xff | O_EXITKILL | O_SUSPEND_SECCOMP;
    public const int EVENT_FORK = 1, EVENT_VFORK = 2, EVENT_CLONE = 3, EVENT_EXEC = 4, EVENT_VFORK_DONE = 5, EVENT_EXIT = 6,
        EVENT_SECCOMP = 7, EVENT_STOP = 128;
    /// <summary>SIGCHLD's and waitid's si_code for a ptrace-stop.</summary>
    public const int CLD_TRAPPED = 4;
    /// <summary>GETEVENTMSG at a syscall stop (what GET_SYSCALL_INFO tells entry from exit by).</summary>
    public const ulong EVENTMSG_SYSCALL_ENTRY = 1, EVENTMSG_SYSCALL_EXIT = 2;
    /// <summary>clone's flag that keeps a child untraced whatever the options say.</summary>
    public const ulong CLONE_UNTRACED = 0x00800000;
    /// <summary>EFLAGS' trap flag: the CPU traps after one instruction (how PTRACE_SINGLESTEP steps).</summary>
    public const ulong TF = 0x100;
    /// <summary>SIGTRAP's si_codes: a breakpoint (and a step out of a syscall), a single-step trap.</summary>
    public const int TRAP_BRKPT = 1, TRAP_TRACE = 2;

    /// <summary>The option that makes a tracee's new child traced, for an event.</summary>
    public static int OptionFor(int ev) => ev switch
    {
        EVENT_FORK => O_TRACEFORK, EVENT_VFORK => O_TRACEVFORK, EVENT_CLONE => O_TRACECLONE, EVENT_EXEC => O_TRACEEXEC,
        EVENT_VFORK_DONE => O_TRACEVFORKDONE, EVENT_EXIT => O_TRACEEXIT, EVENT_SECCOMP => O_TRACESECCOMP, _ => 0,
    };
}

/// <summary>How the tracer last let a tracee go on: it decides which stops come next.</summary>
public enum PtraceResume { Cont, Syscall, Sysemu, Listen }

/// <summary>What kind of ptrace-stop a tracee is in.</summary>
public enum PtraceStopKind { None, Signal, Group, SyscallEnter, SyscallExit, Event }

/// <summary>A traced thread's end, for its tracer's wait (reported once, by thread id).</summary>
public sealed record PtraceExit(Task Task, int Status, int Code, int Info);

/// <summary>The tracer's side: the threads a process traces and their exits not yet waited for (under the tree lock).</summary>
public sealed partial class ThreadGroup
{
    public readonly List<Task> Tracees = new();
    public readonly List<PtraceExit> TraceeExits = new();
    /// <summary>The tracee's side: exits of this process's threads (not its leader) that their tracers have not yet
    /// waited for. Until they have, the leader's zombie is not reported (Linux's delay_group_leader: a traced thread
    /// stays in its group until its tracer reaps it), so a debugger hears of every thread before the process.</summary>
    public readonly List<PtraceExit> UnreapedThreadExits = new();
    /// <summary>Counts group stops begun, so a tracee resumed inside one does not stop for it again.</summary>
    public int StopSeq;

    /// <summary>The signal of the group stop in progress (0: none).</summary>
    internal int StopSignal => Volatile.Read(ref _stopSig);

    /// <summary>A tracee's ptrace-stop for a group stop counts as stopped for the group's accounting.</summary>
    internal void PtraceParked(Task t, bool on) => SetParked(t, on);
}
