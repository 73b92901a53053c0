namespace AppKernel.Platform.Systrap;

/// <summary>
/// Where the systrap stub keeps things in every guest address space, and the layout of one thread's message area
/// ("sysmsg", after gVisor's systrap). Each stub thread owns one 64 KiB slot: a header the Sentry and the stub's
/// signal handler talk through, then the alternate signal stack the handler runs on, where the kernel leaves the
/// trapped guest's signal frame. The slot is a memfd mapped in the stub and in the Sentry, so the Sentry reads and
/// edits the frame in place. The guest can write the slot too: everything in it is untrusted input.
/// </summary>
public static class SysmsgLayout
{
    /// <summary>The stub's code page (as the ptrace stub's, so the memory manager's reserved range starts there).</summary>
    public const ulong CodeBase = 0x7ff0_0000_0000;
    public const ulong CodeSize = 0x1000;
    /// <summary>Message-area slots follow the code page; the whole range is reserved from the guest.</summary>
    public const ulong SlotsBase = CodeBase + 0x1_0000;
    public const ulong SlotSize = 0x1_0000;
    public const int MaxSlots = 4096;
    public const ulong ReservedSize = SlotsBase + MaxSlots * SlotSize - CodeBase;

    /// <summary>Values of <see cref="OffSentryBlocks"/>.</summary>
    public static class Serving
    {
        public const int Working = 0, Blocks = 1, WaitsOnHost = 2;
    }

    public static ulong SlotAddress(int slot) => SlotsBase + (ulong)slot * SlotSize;

    // The header (offsets in the slot).
    /// <summary>The futex word: whose turn it is (<see cref="State"/>).</summary>
    public const int OffState = 0x00;
    /// <summary>Set while the stub's handler, or the Sentry, sleeps on the futex word: the other side wakes it only then.</summary>
    public const int OffStubSleeps = 0x04;
    public const int OffSentrySleeps = 0x0c;
    /// <summary>What the Sentry says of the trapped syscall while it serves it (<see cref="Serving"/>): blocks, the
    /// handler stops spinning and sleeps at once; waits on the gofer, the handler spins longer.</summary>
    public const int OffSentryBlocks = 0xa0;
    /// <summary>The CPU (plus one; 0: not known yet) the stub's handler last waited on, and the one the Sentry's
    /// thread last answered from. A side that finds the other on its own CPU does not spin: the other side cannot run
    /// until it stops (two threads the scheduler keeps waking onto one CPU spun ~60 us a round trip while the other
    /// CPU idled).</summary>
    public const int OffStubCpu = 0xc8, OffSentryCpu = 0xcc;
    public const int OffSigno = 0x08;
    public const int OffInfo = 0x10;     // the handler's siginfo pointer (stub address)
    public const int OffContext = 0x18;  // the handler's ucontext pointer (stub address)
    public const int OffNr = 0x20;       // a command's syscall number, then its six arguments
    public const int OffArgs = 0x28;
    public const int OffResult = 0x58;
    public const int OffSetFs = 0x60, OffFsValue = 0x68, OffSetGs = 0x70, OffGsValue = 0x78;
    public const int OffAltStack = 0x80; // a stack_t for sigaltstack (sp, flags, size)
    public const int OffZeroMask = 0x98; // an empty signal set, for a new child to unblock every signal
    public const int OffMsg = 0x100;     // a msghdr, iovec, byte and cmsg buffer for receiving fds
    // For patched syscall sites (SyscallTrampoline): whether the trap came through the trampoline (its frame is not
    // the kernel's, and it returns by hand), whether its return must first unblock signals (a kick caught its
    // return), the area's own stub address (the host GS base points here), the guest's rsp and rip on the way in and
    // out, and the kernel's XSAVE software bytes (struct _fpx_sw_bytes) that the trampoline's frame copies.
    public const int OffViaTrampoline = 0xa4, OffUnblock = 0xa8, OffSelf = 0xb0, OffAppRsp = 0xb8, OffRetAddr = 0xc0;
    public const int OffSwBytes = 0x200, SwBytesLength = XSave.SwBytesSize;
    /// <summary>The bounce buffer of a copy command (<see cref="State.Copy"/>): small guest reads and writes of the
    /// trapped thread's own syscall go through here.</summary>
    public const int OffCopyBuf = 0x400, CopyBufSize = 0xc00;
    /// <summary>The alternate signal stack: the rest of the slot.</summary>
    public const int StackOffset = 0x1000;
    /// <summary>The trampoline's frame, laid out as the kernel's (ucontext, siginfo, a 64-byte aligned XSAVE area
    /// up to <see cref="TrampolineEnd"/>), and its stack below: kernel frames start at the slot's top, far above, and
    /// a kick that lands while the trampoline runs on this stack is framed below it.</summary>
    public const int TrampolineUc = 0x6000, TrampolineInfo = 0x6140, TrampolineFp = 0x6200, TrampolineRsp = 0x6000,
        TrampolineEnd = 0x8000;

    /// <summary>Values of the futex word.</summary>
    public static class State
    {
        /// <summary>The guest runs (or the handler is on its way out).</summary>
        public const int Running = 0;
        /// <summary>The handler published a trap (or a command's result) and waits for the Sentry.</summary>
        public const int Trapped = 1;
        /// <summary>The Sentry asks the handler to make the syscall in the header.</summary>
        public const int Syscall = 2;
        /// <summary>The Sentry asks for a clone (fork, a thread, or a process sharing the memory).</summary>
        public const int Clone = 3;
        /// <summary>The Sentry edited the frame: return to the guest.</summary>
        public const int Resume = 4;
        /// <summary>The Sentry asks the handler to copy arg2 bytes from arg1 to arg0 (one of them the bounce buffer):
        /// the result is the count copied, short at the first fault.</summary>
        public const int Copy = 5;
    }

    /// <summary>What a cloned child does first (the clone command's third argument).</summary>
    public static class CloneKind
    {
        public const ulong Fork = 0, SharedMemory = 1, Thread = 2;
    }

    // struct ucontext as the x86-64 kernel lays out a signal frame.
    public const int UcMcontext = 40;
    public const int UcFpState = UcMcontext + 184;
    public const int UcSigmask = UcMcontext + 256;
    public const int UcSize = UcSigmask + 8;
}
