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
        if (Interlocked.Exchange(ref _spare, null) is { } prespawned)
        {
            prespawned.Join();
            if (prespawned.Made is { } spare)
            {
                spare.Woke();
                return spare;
            }
        }
        return ForkTemplate() ?? SystrapContext.Create();
    }

    // An exec's process is forked from a template stub: a fresh stub, made at the first exec after the init's and
    // kept (blocked, running nothing) as long as runsc. Its fork costs ~0.7 ms less than spawning a stub (an exec of
    // the image, every signal's action reset, the handlers and filter installed). The fork is the one a guest's fork
    // makes, of a process whose only mappings are the stub's own: the child is what a spawned stub would be.
    SystrapContext? _template;
    readonly object _templateLock = new();

    SystrapContext? ForkTemplate()
    {
        lock (_templateLock)
        {
            try
            {
                if (_template == null)
                {
                    _template = SystrapContext.Create();
                    _template.WillBlock();
                }
                long pid = _template.ForkStub();
                if (pid > 0) return SystrapContext.Adopt(pid);
            }
            catch (PlatformException) { }
            // A template that cannot fork (its process gone): the next exec makes a new one.
            _template?.Dispose();
            _template = null;
            return null;
        }
    }

    // Prespawn's context, made on a thread of its own while the Sentry goes on building the kernel (it waits for the
    // gofer's start meanwhile), until a NewProcess takes it. One never taken (an init that could not be loaded) dies
    // with runsc, as every stub does.
    Prespawned? _spare;

    sealed class Prespawned
    {
        readonly Thread _thread;
        public SystrapContext? Made { get; private set; }

        public Prespawned()
        {
            _thread = new Thread(() =>
            {
                StubReaper.Start();
                HostVdso.Warm();
                try { Made = SystrapContext.Create(); }
                catch (PlatformException) { return; } // NewProcess makes one, and says why it cannot
                Made.WillBlock(); // waiting to be handed out: it neither spins nor counts as a busy thread
            }) { Name = "stub-prespawn", IsBackground = true };
            _thread.Start();
        }

        public void Join() => _thread.Join();
    }

    public void Prespawn()
    {
        var p = new Prespawned();
        if (Interlocked.CompareExchange(ref _spare, p, null) != null)
        {
            p.Join();
            p.Made?.Dispose();
        }
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
