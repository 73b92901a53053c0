using System.Runtime.InteropServices;
using AppKernel.Platform.Native;
using static AppKernel.Platform.Systrap.SysmsgLayout;

namespace AppKernel.Platform.Systrap;

/// <summary>
/// One stub thread's message area as the Sentry sees it: a memfd slot mapped here and, at
/// <see cref="StubAddress"/>, in the stub. Reads of what the stub (or the guest) wrote are range-checked: a pointer
/// found in the area is only followed when it stays inside the area.
/// </summary>
sealed unsafe class SysmsgArea : IDisposable
{
    public int Slot { get; }
    public ulong StubAddress => SlotAddress(Slot);
    readonly byte* _base;
    /// <summary>The memfd, kept until the stub has its own copy.</summary>
    public int Fd { get; private set; }

    SysmsgArea(int slot, byte* mem, int fd)
    {
        Slot = slot;
        _base = mem;
        Fd = fd;
    }

    public static SysmsgArea Create(int slot)
    {
        int fd;
        fixed (byte* name = "appkernel-sysmsg\0"u8) fd = Tmds.Linux.LibC.memfd_create(name, 1 /* MFD_CLOEXEC */);
        if (fd < 0) throw new PlatformException($"memfd_create for a message area: errno {Host.Errno}");
        if (Tmds.Linux.LibC.ftruncate(fd, (long)SlotSize) != 0)
        {
            Tmds.Linux.LibC.close(fd);
            throw new PlatformException($"ftruncate of a message area: errno {Host.Errno}");
        }
        var p = Tmds.Linux.LibC.mmap(null, (Tmds.Linux.size_t)(long)SlotSize, Tmds.Linux.LibC.PROT_READ | Tmds.Linux.LibC.PROT_WRITE,
            Tmds.Linux.LibC.MAP_SHARED, fd, 0);
        if (p == (void*)-1)
        {
            Tmds.Linux.LibC.close(fd);
            throw new PlatformException($"mapping a message area: errno {Host.Errno}");
        }
        return new SysmsgArea(slot, (byte*)p, fd);
    }

    /// <summary>Clears the header, as a new area's: for reuse once the thread that had it is gone.</summary>
    public void Reset() => new Span<byte>(_base, StackOffset).Clear();

    public void CloseFd()
    {
        if (Fd >= 0) Tmds.Linux.LibC.close(Fd);
        Fd = -1;
    }

    public int* StateWord => (int*)(_base + OffState);
    public int State => Volatile.Read(ref *StateWord);

    public ref long Field(int offset) => ref *(long*)(_base + offset);

    /// <summary>The Sentry's pointer to a header offset.</summary>
    public byte* Pointer(int offset) => _base + offset;

    /// <summary>The Sentry's pointer for a stub address inside this area with len bytes after it, or null.</summary>
    public byte* Local(ulong stubAddr, int len, int from = StackOffset)
    {
        ulong lo = StubAddress + (ulong)from, hi = StubAddress + SlotSize;
        if (stubAddr < lo || stubAddr > hi || (ulong)len > hi - stubAddr) return null;
        return _base + (stubAddr - StubAddress);
    }

    /// <summary>The trapped thread's ucontext, if the handler's pointer to it is sound.</summary>
    public byte* Context => Local((ulong)Field(OffContext), UcSize);

    /// <summary>The fxsave area the frame points at, if sound.</summary>
    public byte* FpState(byte* uc) => uc == null ? null : Local(*(ulong*)(uc + UcFpState), XSave.FxSaveSize);

    /// <summary>Hands the turn to the stub: the state is written with a full barrier before reading whether the
    /// stub sleeps, and it is woken only if so (it spins a while first, so mostly it does not). stubSpins false: at
    /// its next trap the stub sleeps at once instead of spinning for the Sentry (the CPUs are all wanted).</summary>
    public void Post(int state, bool stubSpins = true)
    {
        *(int*)(_base + OffSentryBlocks) = stubSpins ? Serving.Working : Serving.Blocks;
        *(int*)(_base + OffSentryCpu) = CurrentCpu();
        Interlocked.Exchange(ref *StateWord, state);
        if (Volatile.Read(ref *(int*)(_base + OffStubSleeps)) != 0) Wake();
    }

    /// <summary>Whether the stub's handler last waited on the CPU this thread runs on (see <see cref="OffStubCpu"/>).</summary>
    public bool StubOnThisCpu => Volatile.Read(ref *(int*)(_base + OffStubCpu)) == CurrentCpu();

    // Plus one: 0 is "not known".
    static int CurrentCpu() => Host.sched_getcpu() + 1;

    /// <summary>Tells the waiting handler that the Sentry will be a while (a blocking syscall): it stops spinning.</summary>
    public void SentryBlocks() => Volatile.Write(ref *(int*)(_base + OffSentryBlocks), Serving.Blocks);

    /// <summary>Tells the waiting handler that the Sentry waits for another host process (the gofer) and will answer
    /// within a round trip: it keeps spinning, so it need not be woken from a futex (slow on a VM's idle CPU). Kept
    /// until the Sentry's answer (Post); a blocking wait still wins.</summary>
    public void SentryWaitsOnHost() =>
        Interlocked.CompareExchange(ref *(int*)(_base + OffSentryBlocks), Serving.WaitsOnHost, Serving.Working);

    /// <summary>Wakes whoever sleeps on the state word (the stub, or Sentry threads waiting for it).</summary>
    public void Wake() => Host.syscall4(202 /* futex */, (long)StateWord, 1 /* FUTEX_WAKE */, int.MaxValue, 0);

    /// <summary>Sleeps while the state word holds value, at most timeoutMs; the stub wakes us only when told we sleep.</summary>
    public void WaitWhile(int value, int timeoutMs)
    {
        var ts = new Timespec { Sec = timeoutMs / 1000, Nsec = (timeoutMs % 1000) * 1_000_000L };
        ref int sleeps = ref *(int*)(_base + OffSentrySleeps);
        Interlocked.Exchange(ref sleeps, 1);
        Host.syscall4(202 /* futex */, (long)StateWord, 0 /* FUTEX_WAIT */, value, (long)&ts);
        Volatile.Write(ref sleeps, 0);
    }

    /// <summary>A msghdr in the header for receiving up to four fds (stub addresses), for recvmsg in the stub.</summary>
    public ulong PrepareReceive()
    {
        const int Msg = OffMsg, Iov = OffMsg + 0x40, Data = OffMsg + 0x50, Ctl = OffMsg + 0x60, CtlLen = 0x40;
        new Span<byte>(_base + Msg, 0x100).Clear();
        *(ulong*)(_base + Msg + 16) = StubAddress + Iov;   // msg_iov
        *(ulong*)(_base + Msg + 24) = 1;                   // msg_iovlen
        *(ulong*)(_base + Msg + 32) = StubAddress + Ctl;   // msg_control
        *(ulong*)(_base + Msg + 40) = CtlLen;              // msg_controllen
        *(ulong*)(_base + Iov) = StubAddress + Data;
        *(ulong*)(_base + Iov + 8) = 16;
        return StubAddress + Msg;
    }

    /// <summary>The fds recvmsg left in the header's control buffer; false unless exactly count arrived.</summary>
    public bool ReceivedFds(Span<int> fds)
    {
        const int Ctl = OffMsg + 0x60;
        ulong len = *(ulong*)(_base + Ctl);
        int level = *(int*)(_base + Ctl + 8), type = *(int*)(_base + Ctl + 12);
        if (level != 1 /* SOL_SOCKET */ || type != 1 /* SCM_RIGHTS */ || len != 16 + 4 * (ulong)fds.Length) return false;
        for (int i = 0; i < fds.Length; i++)
        {
            fds[i] = *(int*)(_base + Ctl + 16 + 4 * i);
            if (fds[i] < 0) return false;
        }
        return true;
    }

    public void Dispose()
    {
        CloseFd();
        Tmds.Linux.LibC.munmap(_base, (Tmds.Linux.size_t)(long)SlotSize);
    }
}
