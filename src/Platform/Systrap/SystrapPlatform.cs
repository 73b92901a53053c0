namespace AppKernel.Platform.Systrap;

/// <summary>The systrap platform: guest threads are free-running host threads of a stub whose seccomp filter traps
/// their syscalls into a signal handler that hands them to the Sentry through shared memory
/// (<see cref="SystrapContext"/>, <see cref="SystrapImage"/>).</summary>
public sealed class SystrapPlatform : IPlatform
{
    public static readonly SystrapPlatform Instance = new();
    SystrapPlatform() { }

    public string Name => "systrap";
    public ulong ReservedBase => SysmsgLayout.CodeBase;
    public ulong ReservedSize => SysmsgLayout.ReservedSize;
    public bool OneThreadPerContext => false;
    public IGuestContext NewProcess()
    {
        var spare = Interlocked.Exchange(ref _spare, null);
        if (spare == null) return SystrapContext.Create();
        spare.Woke();
        return spare;
    }

    // Prespawn's context, until a NewProcess takes it. One never taken (an init that could not be loaded) dies with
    // runsc, as every stub does.
    SystrapContext? _spare;

    public void Prespawn()
    {
        SystrapContext ctx;
        try { ctx = SystrapContext.Create(); }
        catch (PlatformException) { return; }
        ctx.WillBlock(); // waiting to be handed out: it neither spins nor counts as a busy thread
        if (Interlocked.CompareExchange(ref _spare, ctx, null) != null) ctx.Dispose();
    }
    public IGuestContext Adopt(long handle) => SystrapContext.Adopt(handle);
    public IGuestContext AdoptThread(long handle, int hostTgid) => SystrapContext.AdoptThread(handle, hostTgid);

    /// <summary>Whether the host lets a process trap its own syscalls with seccomp (SECCOMP_RET_TRAP); why not if not.</summary>
    public static unsafe bool Available(out string? why)
    {
        why = null;
        uint action = Confinement.SeccompAction.Trap;
        const int SECCOMP_GET_ACTION_AVAIL = 2;
        long r = Native.Host.syscall(317 /* seccomp */, SECCOMP_GET_ACTION_AVAIL, 0, (long)&action);
        if (r == 0) return true;
        why = $"seccomp cannot trap here (errno {Native.Host.Errno})";
        return false;
    }
}
