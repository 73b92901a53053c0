using AppKernel.Platform.Native;
using static AppKernel.Platform.Systrap.SysmsgLayout;

namespace AppKernel.Platform.Systrap;

/// <summary>
/// What the contexts of one guest address space share: the slots of its message areas, and the socket its stub
/// threads receive fds on (areas for new threads and children, host files to map). Processes made with
/// CLONE_VM (vfork) share it with their parent, as they share the memory.
/// </summary>
sealed class SystrapSpace : IDisposable
{
    readonly bool[] _used = new bool[MaxSlots];
    /// <summary>The Sentry's end of the socket, and the fd number of the stub's end in the stub.</summary>
    public int SentrySocket { get; }
    public int StubSocketFd { get; }
    /// <summary>Held from sending fds on the socket until a stub thread has received them: another thread's recvmsg
    /// must not take them.</summary>
    public readonly object SocketLock = new();
    int _refs = 1;

    public SystrapSpace(int sentrySocket, int stubSocketFd, int firstSlot)
    {
        SentrySocket = sentrySocket;
        StubSocketFd = stubSocketFd;
        _used[firstSlot] = true;
    }

    // Areas of threads told to exit, until the host thread is gone; then they become spares: still mapped in the
    // stub and here, so the next thread takes one instead of making, sending and mapping a memfd (and the Sentry's
    // munmap of an area is dear: it shoots down every Sentry thread's TLB).
    readonly List<(SysmsgArea Area, int Tgid, int Tid)> _exiting = new();
    readonly Stack<SysmsgArea> _spares = new();
    const int MaxSpares = 64;

    public int AllocateSlot()
    {
        lock (_used)
        {
            CollectExited();
            for (int i = 0; i < MaxSlots; i++)
                if (!_used[i]) { _used[i] = true; return i; }
        }
        return -1;
    }

    // Under the lock: the areas of threads that have ended become spares (or are let go beyond MaxSpares).
    void CollectExited()
    {
        for (int k = _exiting.Count - 1; k >= 0; k--)
        {
            var (area, tgid, tid) = _exiting[k];
            if (Host.syscall(234 /* tgkill */, tgid, tid, 0) >= 0) continue;
            _exiting.RemoveAt(k);
            if (_spares.Count < MaxSpares) _spares.Push(area);
            else
            {
                _used[area.Slot] = false;
                area.Dispose();
            }
        }
    }

    /// <summary>An area left by a thread that has ended, mapped in the stub at its slot and reset; or null.</summary>
    public SysmsgArea? TakeSpare()
    {
        lock (_used)
        {
            CollectExited();
            if (!_spares.TryPop(out var area)) return null;
            area.Reset();
            return area;
        }
    }

    public void FreeSlot(int slot)
    {
        lock (_used) _used[slot] = false;
    }

    /// <summary>Takes back the area of a thread told to exit: a spare once that host thread has ended.</summary>
    public void Retire(SysmsgArea area, int tgid, int tid)
    {
        lock (_used) _exiting.Add((area, tgid, tid));
    }

    public void AddRef() => Interlocked.Increment(ref _refs);

    public void Dispose()
    {
        if (Interlocked.Decrement(ref _refs) != 0) return;
        Tmds.Linux.LibC.close(SentrySocket);
        lock (_used)
        {
            foreach (var a in _spares) a.Dispose();
            _spares.Clear();
            foreach (var e in _exiting) e.Area.Dispose();
            _exiting.Clear();
        }
    }

    /// <summary>A SEQPACKET pair: (the Sentry's end, the end for a stub).</summary>
    public static (int Sentry, int Stub) NewSocketPair()
    {
        unsafe
        {
            int* sv = stackalloc int[2];
            if (Tmds.Linux.LibC.socketpair(Tmds.Linux.LibC.AF_UNIX, Tmds.Linux.LibC.SOCK_SEQPACKET | Tmds.Linux.LibC.SOCK_CLOEXEC, 0, sv) != 0)
                throw new PlatformException($"socketpair for a stub: errno {Host.Errno}");
            return (sv[0], sv[1]);
        }
    }
}

/// <summary>One host process of stub threads: its pid, and whether it is known to be gone.</summary>
sealed class StubProcess
{
    public int Tgid { get; }
    readonly int _pidfd;
    volatile bool _dead;
    readonly List<SysmsgArea> _waiting = new();

    /// <summary>The host files its threads may pread into guest memory (one fd table: the process's).</summary>
    public StubFiles Files { get; }

    public StubProcess(int tgid, StubFiles? files = null)
    {
        Tgid = tgid;
        Files = files ?? new StubFiles();
        _pidfd = (int)Host.syscall(434 /* pidfd_open */, tgid, 0, 0);
    }

    public bool Dead => _dead;

    /// <summary>True once the host process has ended (checked when a wait for its thread times out).</summary>
    public unsafe bool Exited()
    {
        if (_dead) return true;
        if (_pidfd < 0) return Tmds.Linux.LibC.kill(Tgid, 0) != 0;
        var p = new Tmds.Linux.pollfd { fd = _pidfd, events = Tmds.Linux.LibC.POLLIN };
        return Tmds.Linux.LibC.poll(&p, 1, 0) > 0;
    }

    /// <summary>SIGKILL to the whole process; threads waiting for one of its stubs are woken to see it.</summary>
    public void Kill()
    {
        _dead = true;
        Tmds.Linux.LibC.kill(Tgid, 9);
        lock (_waiting) foreach (var a in _waiting) a.Wake();
    }

    public void Watch(SysmsgArea a) { lock (_waiting) _waiting.Add(a); }
    public void Unwatch(SysmsgArea a) { lock (_waiting) _waiting.Remove(a); }

    /// <summary>Kills the process; it is reaped on the reaper thread, which then runs after.</summary>
    public void KillAndReap(Action after)
    {
        Kill();
        StubReaper.Reap(Tgid, () =>
        {
            if (_pidfd >= 0) Tmds.Linux.LibC.close(_pidfd);
            after();
        });
    }
}
