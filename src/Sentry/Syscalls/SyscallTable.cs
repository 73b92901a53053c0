using AppKernel.Sentry.Kernel;

namespace AppKernel.Sentry.Syscalls;

/// <summary>A syscall handler: six raw arguments in, the result (or negative errno) out.</summary>
public delegate long SyscallHandler(Task t, ulong a0, ulong a1, ulong a2, ulong a3, ulong a4, ulong a5);

/// <summary>The table maps syscall number → handler; a null entry is ENOSYS (logged once).</summary>
public static class SyscallTable
{
    public static readonly SyscallHandler?[] Handlers = Build();

    static SyscallHandler?[] Build()
    {
        var t = new SyscallHandler?[SyscallNames.Count];
        FileSyscalls.Register(t);
        StatSyscalls.Register(t);
        PathSyscalls.Register(t);
        FdSyscalls.Register(t);
        MemorySyscalls.Register(t);
        ProcessSyscalls.Register(t);
        InfoSyscalls.Register(t);
        SignalSyscalls.Register(t);
        TimeSyscalls.Register(t);
        FutexSyscalls.Register(t);
        XattrSyscalls.Register(t);
        ChangeSyscalls.Register(t);
        PollSyscalls.Register(t);
        TransferSyscalls.Register(t);
        MemfdSyscalls.Register(t);
        ForkSyscalls.Register(t);
        TimerSyscalls.Register(t);
        SelectSyscalls.Register(t);
        EpollSyscalls.Register(t);
        PrioritySyscalls.Register(t);
        ProcessVmSyscalls.Register(t);
        PtraceSyscalls.Register(t);
        SocketSyscalls.Register(t);
        MountSyscalls.Register(t);
        InotifySyscalls.Register(t);
        SysvShmSyscalls.Register(t);
        SysvSemSyscalls.Register(t);
        SysvMsgSyscalls.Register(t);
        SchedAttrSyscalls.Register(t);
        KcmpSyscalls.Register(t);
        SyslogSyscalls.Register(t);
        NumaSyscalls.Register(t);
        MqueueSyscalls.Register(t);
        SeccompSyscalls.Register(t);
        AioSyscalls.Register(t);
        SetnsSyscalls.Register(t);
        LandlockSyscalls.Register(t);
        RefusedSyscalls.Register(t);
        KeySyscalls.Register(t);
        return t;
    }

    public static long Err(Errno e) => -(long)e;
}
