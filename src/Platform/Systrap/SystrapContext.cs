using System.Collections.Concurrent;
using AppKernel.Platform.Native;
using static AppKernel.Platform.Systrap.SysmsgLayout;

namespace AppKernel.Platform.Systrap;

/// <summary>
/// One guest thread on the systrap platform: a host thread of a stub process that runs the guest freely until its
/// seccomp filter, a fault or a kick sends it into the stub's signal handler, which hands the frame over in the
/// thread's message area (<see cref="SysmsgArea"/>). While it waits there the Sentry may ask it to make syscalls
/// (the address-space changes) and finally resumes it. Any Sentry thread may drive a context.
/// </summary>
public sealed unsafe class SystrapContext : StubAddressSpace, IGuestContext
{
    const int SIGTRAP = 5, SIGSYS = 31, SYS_SECCOMP = 1;
    const int SYS_close = 3, SYS_mmap = 9, SYS_pread64 = 17, SYS_recvmsg = 47, SYS_clone = 56, SYS_exit = 60, MAP_FIXED = 0x10;
    const int SpinIterations = 1000;
    static int s_spinners;
    static readonly int s_maxSpinners = Environment.ProcessorCount - 1;
    /// <summary>Guest threads not blocked in the Sentry: each keeps a CPU busy, running in the guest or being served.
    /// A spin (the Sentry's for its stub, the stub's for the Sentry) pays only while every such thread can have
    /// both of its sides on a CPU; past that, spinners take the CPUs from the threads that do the work (two
    /// processes streaming through a pipe on two cores ran at half the speed they reach without spinning). On one
    /// CPU nothing spins.</summary>
    static int s_active;
    static readonly int s_spinWhileActive = Environment.ProcessorCount / 2;
    int _active;
    /// <summary>How often a wait for a running guest checks that its host process still lives.</summary>
    const int LivenessMs = 100;
    /// <summary>How long a stub thread may take to finish a command, or to trap after a kick (see AwaitTrap).</summary>
    const int CommandLimitMs = 10_000, KickLimitMs = 3_000;

    readonly SysmsgArea _area;
    readonly SystrapSpace _space;
    readonly StubProcess _process;
    GuestMemory? _memory;
    // The TLS bases the host thread has, as far as we set them: unknown at first (a new thread has its creator's), so
    // the first Switch sets both.
    ulong _fsBase = ulong.MaxValue, _gsBase = ulong.MaxValue;
    bool _disposed;
    /// <summary>When Kick last asked the running guest to trap (0: no kick outstanding).</summary>
    long _kickedAt;

    /// <summary>Whether this thread's header is set up for patched syscall sites (see <see cref="SyscallTrampoline"/>).</summary>
    bool _trampolineReady;
    /// <summary>The largest XSAVE area the trampoline's frame has room for (TrampolineFp up to TrampolineEnd, magic2 after).</summary>
    const int MaxTrampolineXState = TrampolineEnd - TrampolineFp - XSave.Magic2Size;

    public ulong SyscallTrampoline => _trampolineReady ? SystrapImage.Trampoline : 0;

    public int Pid { get; }
    public int HostTgid => _process.Tgid;
    public bool IsThread { get; }
    public Registers Template { get; private set; }
    public GuestMemory Memory => _memory ??= new GuestMemory(HostTgid);

    SystrapContext(int tid, bool isThread, SysmsgArea area, SystrapSpace space, StubProcess process)
    {
        Pid = tid;
        IsThread = isThread;
        _area = area;
        _space = space;
        _process = process;
        process.Watch(area);
        SetActive(true);
    }

    void SetActive(bool on)
    {
        int v = on ? 1 : 0;
        if (Interlocked.Exchange(ref _active, v) != v) Interlocked.Add(ref s_active, on ? 1 : -1);
    }

    static bool Crowded => Volatile.Read(ref s_active) > s_spinWhileActive;

    static int ImageFd() => StubSpawner.ImageFd("appkernel-stub-systrap", SystrapImage.Elf);

    /// <summary>A fresh stub process (exec, the init): its first thread in slot 0, ready at its first trap.</summary>
    public static SystrapContext Create()
    {
        var area = SysmsgArea.Create(0);
        var (sentrySock, stubSock) = SystrapSpace.NewSocketPair();
        int pid;
        try { pid = StubSpawner.Spawn(ImageFd(), stubSock, area.Fd); }
        catch
        {
            area.Dispose();
            Tmds.Linux.LibC.close(sentrySock);
            Tmds.Linux.LibC.close(stubSock);
            throw;
        }
        Tmds.Linux.LibC.close(stubSock);
        area.CloseFd();
        var ctx = new SystrapContext(pid, false, area, new SystrapSpace(sentrySock, 0, 0), new StubProcess(pid));
        ctx.AwaitReady();
        return ctx;
    }

    // Children made by ForkStub, CloneVm and CloneThread, until their task thread adopts them.
    // Files: a child process's copy of its parent's StubFiles (null for a thread, which shares its process's).
    sealed record Pending(SysmsgArea Area, SystrapSpace Space, StubProcess? Process, StubFiles? Files = null);
    static readonly ConcurrentDictionary<long, Pending> s_pending = new();

    public static SystrapContext Adopt(long pid)
    {
        if (!s_pending.TryRemove(pid, out var p)) throw new PlatformException($"no systrap child {pid} to adopt");
        var ctx = new SystrapContext((int)pid, false, p.Area, p.Space, new StubProcess((int)pid, p.Files));
        ctx.AwaitReady();
        return ctx;
    }

    public static SystrapContext AdoptThread(long tid, int hostTgid)
    {
        if (!s_pending.TryRemove(tid, out var p) || p.Process == null || p.Process.Tgid != hostTgid)
            throw new PlatformException($"no systrap thread {tid} to adopt");
        var ctx = new SystrapContext((int)tid, true, p.Area, p.Space, p.Process);
        ctx.AwaitReady();
        return ctx;
    }

    // The stub's first trap (its int3) says it is ready; its frame becomes the template for guest registers.
    void AwaitReady()
    {
        var deadline = Environment.TickCount64 + 10_000;
        while (_area.State != State.Trapped)
        {
            if (_process.Exited() || Environment.TickCount64 > deadline)
            {
                Dispose();
                throw new PlatformException("the systrap stub did not start (is seccomp available?)");
            }
            _area.WaitWhile(_area.State, 50);
        }
        byte* uc = _area.Context;
        if (uc == null || (int)_area.Field(OffSigno) != SIGTRAP)
        {
            Dispose();
            throw new PlatformException("the systrap stub's first trap is not its own");
        }
        // What a patched site's trampoline needs in the header: the area's own address, and the kernel's XSAVE
        // software bytes for the frames it builds (copied from this first frame, which the kernel built).
        _area.Field(OffSelf) = (long)_area.StubAddress;
        byte* fp = _area.FpState(uc);
        if (fp != null && *(uint*)(fp + XSave.SwBytesAt) == XSave.Magic1 && *(uint*)(fp + XSave.SwXStateSizeAt) is >= XSave.MinSize and <= MaxTrampolineXState)
        {
            new ReadOnlySpan<byte>(fp + XSave.SwBytesAt, SwBytesLength).CopyTo(new Span<byte>(_area.Pointer(OffSwBytes), SwBytesLength));
            _trampolineReady = true;
        }
        var r = default(Registers);
        ReadFrame(uc, ref r);
        r.Rax = r.Rbx = r.Rcx = r.Rdx = r.Rsi = r.Rdi = r.Rbp = r.Rsp = r.Rip = 0;
        r.R8 = r.R9 = r.R10 = r.R11 = r.R12 = r.R13 = r.R14 = r.R15 = 0;
        r.Eflags = 0x202;
        r.OrigRax = ulong.MaxValue;
        Template = r;
    }

    // mcontext offsets (struct sigcontext): r8..r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags, cs/gs/fs/ss.
    static void ReadFrame(byte* uc, ref Registers r)
    {
        ulong* g = (ulong*)(uc + UcMcontext);
        r.R8 = g[0]; r.R9 = g[1]; r.R10 = g[2]; r.R11 = g[3]; r.R12 = g[4]; r.R13 = g[5]; r.R14 = g[6]; r.R15 = g[7];
        r.Rdi = g[8]; r.Rsi = g[9]; r.Rbp = g[10]; r.Rbx = g[11]; r.Rdx = g[12]; r.Rax = g[13]; r.Rcx = g[14];
        r.Rsp = g[15]; r.Rip = g[16]; r.Eflags = g[17];
        ushort* seg = (ushort*)(uc + UcMcontext + 144);
        r.Cs = seg[0]; r.Ss = seg[3];
    }

    static void WriteFrame(byte* uc, in Registers r)
    {
        ulong* g = (ulong*)(uc + UcMcontext);
        g[0] = r.R8; g[1] = r.R9; g[2] = r.R10; g[3] = r.R11; g[4] = r.R12; g[5] = r.R13; g[6] = r.R14; g[7] = r.R15;
        g[8] = r.Rdi; g[9] = r.Rsi; g[10] = r.Rbp; g[11] = r.Rbx; g[12] = r.Rdx; g[13] = r.Rax; g[14] = r.Rcx;
        g[15] = r.Rsp; g[16] = r.Rip; g[17] = r.Eflags;
        *(ulong*)(uc + UcSigmask) = 0; // the guest runs with every host signal open (its mask is the Sentry's)
    }

    bool Lost()
    {
        _process.Kill();
        return false;
    }

    // Waits until the stub reports (a trap, or a command done). False if its process is gone, or if the stub thread
    // stopped keeping the protocol: the guest can write the state word too, and a guest that keeps overwriting it
    // must not hold a Sentry thread forever. So a command that has not finished in CommandLimitMs, or a running
    // guest that has not trapped KickLimitMs after a kick (re-sent every check), counts as a broken stub: its
    // process is killed, as a guest that breaks its own stub deserves, and the task sees it gone.
    bool AwaitTrap(bool command)
    {
        // Spin only with CPUs to spare (not Crowded), and while fewer Sentry threads spin than there are other cores:
        // a spinner more would take the CPU from the very thread (a stub's, another task's) that must run for the
        // wait to end.
        // Nor for a stub that waits on this thread's CPU: it could not trap until the spin ends.
        if (!Crowded && !_area.StubOnThisCpu)
        {
            if (Interlocked.Increment(ref s_spinners) <= s_maxSpinners)
            {
                // A thread that wakes meanwhile (another task's) makes it crowded: it may be waiting for this CPU.
                for (int i = 0; i < SpinIterations && !Crowded; i++)
                {
                    if (_area.State == State.Trapped)
                    {
                        Interlocked.Decrement(ref s_spinners);
                        return Trapped();
                    }
                    Thread.SpinWait(1);
                }
            }
            Interlocked.Decrement(ref s_spinners);
        }
        long start = Environment.TickCount64;
        while (true)
        {
            int s = _area.State;
            if (s == State.Trapped) return Trapped();
            if (_process.Dead) return false;
            _area.WaitWhile(s, LivenessMs);
            if (_area.State == State.Trapped) return Trapped();
            long now = Environment.TickCount64;
            if (_process.Exited()) return Lost();
            long kicked = Volatile.Read(ref _kickedAt);
            if (command ? now - start > CommandLimitMs : kicked != 0 && now - kicked > KickLimitMs) return Lost();
            if (kicked != 0) SendKick();
        }
    }

    bool Trapped()
    {
        Volatile.Write(ref _kickedAt, 0);
        return true;
    }

    /// <summary>Has the trapped stub thread make one syscall; the raw result.</summary>
    long Command(int state, long nr, ulong a0 = 0, ulong a1 = 0, ulong a2 = 0, ulong a3 = 0, ulong a4 = 0, ulong a5 = 0)
    {
        if (_disposed || _process.Dead) return -(long)Errno.ESRCH;
        _area.Field(OffNr) = nr;
        _area.Field(OffArgs) = (long)a0; _area.Field(OffArgs + 8) = (long)a1; _area.Field(OffArgs + 16) = (long)a2;
        _area.Field(OffArgs + 24) = (long)a3; _area.Field(OffArgs + 32) = (long)a4; _area.Field(OffArgs + 40) = (long)a5;
        _area.Field(OffResult) = -(long)Errno.ENOSYS;
        _area.Post(state);
        if (!AwaitTrap(command: true)) return -(long)Errno.ESRCH;
        return _area.Field(OffResult);
    }

    long Syscall(long nr, ulong a0 = 0, ulong a1 = 0, ulong a2 = 0, ulong a3 = 0, ulong a4 = 0, ulong a5 = 0) =>
        Command(State.Syscall, nr, a0, a1, a2, a3, a4, a5);

    /// <summary>The stub's handler copies through the bounce buffer while it spins for the Sentry: a memory-to-memory
    /// copy in the guest's address space instead of a process_vm syscall (~2 us here). Not once the handler has gone
    /// to sleep, or will (a blocking syscall): waking it costs far more.</summary>
    public int CopyInAsStub(int pid, ulong addr, Span<byte> dst)
    {
        if (!CanCopyAsStub(pid, dst.Length)) return -1;
        var bounce = new Span<byte>(_area.Pointer(OffCopyBuf), dst.Length);
        long n = Command(State.Copy, 0, _area.StubAddress + OffCopyBuf, addr, (ulong)dst.Length);
        // The count is the guest's to scribble on, as the whole area: only a sound one is believed.
        if (n < 0 || n > dst.Length) return -1;
        bounce[..(int)n].CopyTo(dst);
        return (int)n;
    }

    public int CopyOutAsStub(int pid, ulong addr, ReadOnlySpan<byte> src)
    {
        if (!CanCopyAsStub(pid, src.Length)) return -1;
        src.CopyTo(new Span<byte>(_area.Pointer(OffCopyBuf), src.Length));
        long n = Command(State.Copy, 0, addr, _area.StubAddress + OffCopyBuf, (ulong)src.Length);
        return n < 0 || n > src.Length ? -1 : (int)n;
    }

    bool CanCopyAsStub(int pid, int length) => pid == HostTgid && length <= CopyBufSize && CanCommandNow();

    /// <summary>Reads a host file into the guest's memory with the stub's pread (see IGuestContext): the fd is one the
    /// stub process keeps (<see cref="StubFiles"/>), received on its first such read.</summary>
    public bool PreadAsStub(IHostReadable file, ulong addr, ulong count, long offset, bool wake, out long result)
    {
        result = 0;
        bool ready = wake ? !_disposed && _area.State == State.Trapped : CanCommandNow();
        if (ServingThread.Context != this || !ready) return false;
        var entry = _process.Files.Acquire(file, _closeInStub ??= fd => Syscall(SYS_close, (ulong)fd), _receiveOne ??= ReceiveOne);
        if (entry == null) return false;
        try { result = Syscall(SYS_pread64, (ulong)entry.Fd, addr, count, (ulong)offset); }
        finally { _process.Files.Release(entry); }
        if (_process.Dead) return false;
        // The count is the guest's to scribble on, as the whole area: only a sound one is believed.
        if (result > (long)count || result < -4095) result = -(long)Errno.EIO;
        return true;
    }

    Func<int, long>? _closeInStub;
    Func<int, int>? _receiveOne;

    int ReceiveOne(int hostFd)
    {
        Span<int> fds = stackalloc int[1];
        return Receive([hostFd], fds) < 0 ? -1 : fds[0];
    }

    // A command now costs a few hundred ns: the stub thread spins for the Sentry. Not once it has gone to sleep, or
    // will (a blocking syscall): waking it costs far more.
    bool CanCommandNow() =>
        !_disposed && _area.State == State.Trapped
        && Volatile.Read(ref *(int*)_area.Pointer(OffStubSleeps)) == 0
        && Volatile.Read(ref *(int*)_area.Pointer(OffSentryBlocks)) != Serving.Blocks;

    public void Switch(ref Registers regs, out StopInfo stop)
    {
        stop = default;
        byte* uc = _area.Context;
        if (_disposed || _process.Dead || uc == null)
        {
            if (uc == null && !_disposed) _process.Kill(); // a frame we cannot find: the guest broke its own stub
            stop.Kind = StopKind.Exited;
            return;
        }
        WriteFrame(uc, regs);
        if (regs.FsBase != _fsBase) { _area.Field(OffFsValue) = (long)regs.FsBase; _area.Field(OffSetFs) = 1; _fsBase = regs.FsBase; }
        // While the guest has no GS base of its own, the host's points at this thread's area: a patched site's
        // trampoline finds its area through it.
        ulong gs = regs.GsBase != 0 ? regs.GsBase : _area.StubAddress;
        if (gs != _gsBase) { _area.Field(OffGsValue) = (long)gs; _area.Field(OffSetGs) = 1; _gsBase = gs; }
        // A kick that came while the task was in the Sentry is still pending in the stub thread: its time runs from now.
        if (Volatile.Read(ref _kickedAt) != 0) Volatile.Write(ref _kickedAt, Environment.TickCount64);
        _area.Post(State.Resume, stubSpins: !Crowded);
        if (!AwaitTrap(command: false))
        {
            stop.Kind = StopKind.Exited;
            return;
        }
        uc = _area.Context;
        if (uc == null)
        {
            _process.Kill();
            stop.Kind = StopKind.Exited;
            return;
        }
        ReadFrame(uc, ref regs);
        int signo = (int)_area.Field(OffSigno);
        byte* info = _area.Local((ulong)_area.Field(OffInfo), SigInfo.Size);
        if (info != null) stop.Info = *(SigInfo*)info;
        if (signo == SIGSYS && info != null && stop.Info.Code == SYS_SECCOMP)
        {
            stop.Kind = StopKind.Syscall;
            stop.Patched = *(int*)_area.Pointer(OffViaTrampoline) != 0;
            regs.OrigRax = regs.Rax;
            regs.Rax = unchecked((ulong)-(long)Errno.ENOSYS);
            return;
        }
        regs.OrigRax = ulong.MaxValue;
        stop.Kind = StopKind.Signal;
        stop.Signal = signo;
    }

    // Other Sentry threads that are reading the area's state word (ResumePending): Dispose waits for them before it
    // lets the area go, and they do not read once it has begun.
    int _peekers;

    public bool ResumePending
    {
        get
        {
            Interlocked.Increment(ref _peekers);
            try { return !Volatile.Read(ref _disposed) && _area.State == State.Resume; }
            finally { Interlocked.Decrement(ref _peekers); }
        }
    }

    public void Kick()
    {
        Interlocked.CompareExchange(ref _kickedAt, Environment.TickCount64, 0);
        SendKick();
    }

    public void WillBlock()
    {
        SetActive(false);
        if (!_disposed) _area.SentryBlocks();
    }

    public void Woke()
    {
        if (!_disposed) SetActive(true);
    }

    public void WillWaitOnHost()
    {
        if (!_disposed) _area.SentryWaitsOnHost();
    }

    void SendKick()
    {
        if (!_disposed && !_process.Dead) Host.syscall(234 /* tgkill */, HostTgid, Pid, SystrapImage.KickSignal);
    }

    public bool GetFpRegs(Span<byte> fxsave512)
    {
        byte* fp = _area.FpState(_area.Context);
        if (fp == null || fxsave512.Length < XSave.FxSaveSize) return false;
        new ReadOnlySpan<byte>(fp, XSave.FxSaveSize).CopyTo(fxsave512);
        return true;
    }

    public bool SetFpRegs(ReadOnlySpan<byte> fxsave512)
    {
        byte* fp = _area.FpState(_area.Context);
        if (fp == null || fxsave512.Length < XSave.FxSaveSize) return false;
        fxsave512[..XSave.FxSaveSize].CopyTo(new Span<byte>(fp, XSave.FxSaveSize));
        // MXCSR's reserved bits would make the host's sigreturn refuse the frame (and kill the thread).
        *(uint*)(fp + XSave.MxcsrAt) &= 0xffff;
        // x87 and SSE state now come from here, even if the frame said they were in their initial state.
        if (XSaveArea(out _, out _) is var x && x != null) *(ulong*)(x + XSave.HeaderAt) |= XSave.FeatureFpSse;
        return true;
    }

    /// <summary>The frame's XSAVE area (the host puts the whole extended state there, its software bytes saying so):
    /// its size, and XCR0 where ptrace's layout has it.</summary>
    public int GetXState(Span<byte> buf)
    {
        byte* x = XSaveArea(out int size, out ulong xfeatures);
        if (x == null || size > buf.Length) return 0;
        new ReadOnlySpan<byte>(x, size).CopyTo(buf);
        buf.Slice(XSave.SwBytesAt, SwBytesLength).Clear();
        BitConverter.TryWriteBytes(buf[XSave.SwBytesAt..], xfeatures);
        return size;
    }

    public bool SetXState(ReadOnlySpan<byte> buf)
    {
        byte* x = XSaveArea(out int size, out ulong xfeatures);
        if (x == null || buf.Length < size) return false;
        var dst = new Span<byte>(x, size);
        buf[..XSave.SwBytesAt].CopyTo(dst);
        buf[(XSave.SwBytesAt + SwBytesLength)..size].CopyTo(dst[(XSave.SwBytesAt + SwBytesLength)..]);
        // What the host's sigreturn would refuse (and kill the thread for): MXCSR's reserved bits, features it lacks.
        *(uint*)(x + XSave.MxcsrAt) &= 0xffff;
        *(ulong*)(x + XSave.HeaderAt) &= xfeatures;
        new Span<byte>(x + XSave.HeaderAt + 8, XSave.HeaderSize - 8).Clear(); // XCOMP_BV and the reserved bytes: XRSTOR faults on others
        return true;
    }

    byte* XSaveArea(out int size, out ulong xfeatures)
    {
        size = 0;
        xfeatures = 0;
        byte* uc = _area.Context;
        byte* fp = _area.FpState(uc);
        if (fp == null || *(uint*)(fp + XSave.SwBytesAt) != XSave.Magic1) return null;
        uint n = *(uint*)(fp + XSave.SwXStateSizeAt);
        if (n < XSave.MinSize || n > SlotSize) return null;
        byte* x = _area.Local(*(ulong*)(uc + UcFpState), (int)n);
        if (x == null) return null;
        size = (int)n;
        xfeatures = *(ulong*)(fp + XSave.SwXFeaturesAt);
        return x;
    }

    // --- the address space: syscalls made by this (trapped) stub thread for the Sentry (StubAddressSpace).
    protected override long StubSyscall(long nr, ulong a0, ulong a1, ulong a2, ulong a3, ulong a4, ulong a5) =>
        Syscall(nr, a0, a1, a2, a3, a4, a5);

    /// <summary>The Sentry's fd reaches the stub over its socket; the stub maps it and closes its copy.</summary>
    public long MapFile(ulong addr, ulong len, int prot, int flags, int hostFd, ulong offset)
    {
        Span<int> fds = stackalloc int[1];
        long r = Receive([hostFd], fds);
        if (r < 0) return r;
        long m = Syscall(SYS_mmap, addr, len, (ulong)prot, (ulong)(flags | MAP_FIXED), (ulong)fds[0], offset);
        Syscall(SYS_close, (ulong)fds[0]);
        return m;
    }

    // Sends the Sentry's fds to the stub and has this thread receive them; their numbers in the stub.
    long Receive(ReadOnlySpan<int> send, Span<int> received)
    {
        long r;
        lock (_space.SocketLock)
        {
            if (!SeqPacket.Send(_space.SentrySocket, "f"u8, send, out var err)) return -(long)err;
            r = Syscall(SYS_recvmsg, (ulong)_space.StubSocketFd, _area.PrepareReceive(), 0);
        }
        if (r < 0) return r;
        if (!_area.ReceivedFds(received))
        {
            Lost(); // the stub received something other than what we sent: it is no longer ours to trust
            return -(long)Errno.ESRCH;
        }
        return 0;
    }

    // A new area in this address space, mapped in the stub at its slot (for a thread or a CLONE_VM child).
    SysmsgArea? NewSharedArea(out long error)
    {
        error = 0;
        int slot = _space.AllocateSlot();
        if (slot < 0) { error = -(long)Errno.EAGAIN; return null; }
        SysmsgArea area;
        try { area = SysmsgArea.Create(slot); }
        catch (PlatformException) { _space.FreeSlot(slot); error = -(long)Errno.ENOMEM; return null; }
        long m = MapFile(area.StubAddress, SlotSize, 3, 1 /* MAP_SHARED */, area.Fd, 0);
        area.CloseFd();
        if (m < 0)
        {
            area.Dispose();
            _space.FreeSlot(slot);
            error = m;
            return null;
        }
        return area;
    }

    static readonly ulong RunscPid = (ulong)Environment.ProcessId;

    public long ForkStub()
    {
        if (_disposed || _process.Dead) return -(long)Errno.ESRCH;
        // The child gets its own area in the slot this thread has, and its own socket.
        SysmsgArea area;
        try { area = SysmsgArea.Create(_area.Slot); }
        catch (PlatformException) { return -(long)Errno.ENOMEM; }
        var (sentrySock, stubSock) = SystrapSpace.NewSocketPair();
        Span<int> fds = stackalloc int[2];
        long r = Receive([area.Fd, stubSock], fds);
        Tmds.Linux.LibC.close(stubSock);
        area.CloseFd();
        if (r < 0)
        {
            area.Dispose();
            Tmds.Linux.LibC.close(sentrySock);
            return r;
        }
        int areaFd = fds[0];
        long pid = CloneProcess(() => Command(State.Clone, SYS_clone, SystrapImage.ForkFlags, 0, CloneKind.Fork, (ulong)areaFd, (ulong)_space.StubSocketFd, RunscPid), out var childFiles);
        Syscall(SYS_close, (ulong)fds[0]);
        if (pid <= 0)
        {
            Syscall(SYS_close, (ulong)fds[1]);
            area.Dispose();
            Tmds.Linux.LibC.close(sentrySock);
            return pid < 0 ? pid : -(long)Errno.EAGAIN;
        }
        // The child's socket keeps the number it had here; the parent's copy goes.
        Syscall(SYS_close, (ulong)fds[1]);
        s_pending[pid] = new Pending(area, new SystrapSpace(sentrySock, fds[1], _area.Slot), null, childFiles);
        return pid;
    }

    // A child process starts with a copy of the fds the stub keeps, taken under their lock while the clone is made:
    // so it is the table the host copied.
    long CloneProcess(Func<long> clone, out StubFiles childFiles)
    {
        lock (_process.Files.Lock)
        {
            long id = clone();
            childFiles = _process.Files.CopyForChild();
            return id;
        }
    }

    public long CloneVm() => CloneShared(SystrapImage.SharedMemoryFlags, CloneKind.SharedMemory);

    public long CloneThread() => CloneShared(SystrapImage.ThreadFlags, CloneKind.Thread);

    long CloneShared(ulong flags, ulong kind)
    {
        if (_disposed || _process.Dead) return -(long)Errno.ESRCH;
        long err = 0;
        var area = (kind == CloneKind.Thread ? _space.TakeSpare() : null) ?? NewSharedArea(out err);
        if (area == null) return err;
        long id;
        StubFiles? childFiles = null;
        if (kind == CloneKind.Thread) id = Command(State.Clone, SYS_clone, flags, area.StubAddress + SlotSize, kind, 0, 0, RunscPid);
        else id = CloneProcess(() => Command(State.Clone, SYS_clone, flags, area.StubAddress + SlotSize, kind, 0, 0, RunscPid), out childFiles);
        if (id <= 0)
        {
            area.Dispose();
            _space.FreeSlot(area.Slot);
            return id < 0 ? id : -(long)Errno.EAGAIN;
        }
        _space.AddRef();
        s_pending[id] = new Pending(area, _space, kind == CloneKind.Thread ? _process : null, childFiles);
        return id;
    }

    public void ExitThreadOnly()
    {
        if (_disposed || _process.Dead) return;
        PostExit();
    }

    // exit(2) for this stub thread alone: it never reports back.
    void PostExit()
    {
        _area.Field(OffNr) = SYS_exit;
        _area.Field(OffArgs) = 0;
        _area.Post(State.Syscall);
    }

    public void KillHostProcess() => _process.Kill();

    public void Dispose()
    {
        if (_disposed) return;
        Volatile.Write(ref _disposed, true);
        SetActive(false);
        Interlocked.MemoryBarrier();
        while (Volatile.Read(ref _peekers) != 0) Thread.SpinWait(10);
        _process.Unwatch(_area);
        if (IsThread)
        {
            // The area is reused only once the thread is gone: it is the stack the thread exits on.
            if (!_process.Dead && _area.State == State.Trapped) PostExit();
            _space.Retire(_area, HostTgid, Pid);
        }
        else
        {
            // The area and slot outlive the process: its thread may still be on the area's stack until it is gone.
            var (space, area) = (_space, _area);
            _process.KillAndReap(() =>
            {
                space.FreeSlot(area.Slot);
                area.Dispose();
                space.Dispose();
            });
            return;
        }
        _space.Dispose();
    }
}
