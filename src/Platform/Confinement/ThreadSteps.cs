using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace AppKernel.Platform.Confinement;

/// <summary>
/// A confinement step as raw system calls (setns, prctl, capset), run in order on one thread and stopping at the
/// first that fails (unless its errno is the one tolerated). The same machine code runs them on the calling thread
/// (a plain call) and on the .NET finalizer thread (as the handler of a signal sent to that thread alone), so a step
/// reaches both threads without a garbage collection. Waking the finalizer through a collection
/// (<see cref="ProcessThreads.RunOnFinalizerThread"/>) cost 1-4 ms of each confined process's start here, twice
/// (the jail, then the capabilities); it remains the fallback when the signal is not taken in time.
/// </summary>
public sealed unsafe class ThreadSteps
{
    /// <summary>The signal that runs the steps on another thread: glibc keeps 32 and 33 and .NET takes SIGRTMIN
    /// (34) for its own; nothing here uses the last real-time signals.</summary>
    public const int StepSignal = 62;

    // The data pages, after the code page: the done word (the futex), the failing step's index (-1: none) and its
    // result (-errno), the number of steps, then the steps: nr, six arguments, the tolerated result (-errno; 0 none).
    const int OffDone = 0, OffFailedIndex = 8, OffFailedResult = 16, OffCount = 24, OffSteps = 32, StepSize = 64;
    public const int MaxSteps = (DataSize - OffSteps) / StepSize;
    const int PageSize = 4096, DataSize = 2 * PageSize;
    const int SYS_rt_sigaction = 13, SYS_rt_sigreturn = 15, SYS_futex = 202, SYS_tgkill = 234, SYS_getpid = 39;
    const int FUTEX_WAIT_PRIVATE = 128, FUTEX_WAKE_PRIVATE = 129;
    const ulong SA_RESTART = 0x10000000, SA_RESTORER = 0x04000000;
    const ulong SIG_IGN = 1;

    readonly List<(long Nr, long[] Args, Errno Tolerated)> _steps = new();

    /// <summary>Adds one call; <paramref name="tolerated"/> is an errno that does not stop the steps.</summary>
    public void Add(long nr, long a0 = 0, long a1 = 0, long a2 = 0, long a3 = 0, long a4 = 0, long a5 = 0, Errno tolerated = Errno.None)
    {
        if (_steps.Count == MaxSteps) throw new InvalidOperationException($"more than {MaxSteps} thread steps");
        _steps.Add((nr, [a0, a1, a2, a3, a4, a5], tolerated));
    }

    /// <summary>A copy of <paramref name="bytes"/> in native memory, for a call's pointer argument; its address. Never
    /// freed (a few bytes a process): a handler still running after its caller gave up must not read freed memory.</summary>
    public static long Blob(ReadOnlySpan<byte> bytes)
    {
        nint p = (nint)System.Runtime.InteropServices.NativeMemory.Alloc((nuint)Math.Max(bytes.Length, 1));
        bytes.CopyTo(new Span<byte>((void*)p, bytes.Length));
        return p;
    }

    /// <summary>Runs the steps on the calling thread. <paramref name="failed"/>: the index of the step that failed, -1 if none.</summary>
    public Errno RunHere(out int failed)
    {
        lock (Code.Lock)
        {
            Load();
            ((delegate* unmanaged<int, void>)Code.Handler)(0);
            return Result(out failed);
        }
    }

    /// <summary>
    /// Runs the steps on thread <paramref name="tid"/> of this process through <see cref="StepSignal"/>, waiting up to
    /// <paramref name="timeoutMs"/>. Returns false when the thread did not take the signal in time (the signal is
    /// then ignored, and the steps may still run later: they must be harmless to repeat).
    /// </summary>
    public bool TryRunOn(int tid, int timeoutMs, out Errno result, out int failed)
    {
        result = Errno.None;
        failed = -1;
        lock (Code.Lock)
        {
            Load();
            var act = new SigAction { Handler = (ulong)Code.Handler, Flags = SA_RESTART | SA_RESTORER, Restorer = (ulong)Code.Restorer, Mask = ~0UL };
            if (Native.Host.syscall4(SYS_rt_sigaction, StepSignal, (long)&act, 0, 8) != 0) return false;
            bool ran = false;
            try
            {
                long pid = Native.Host.syscall(SYS_getpid, 0, 0, 0);
                if (Native.Host.syscall(SYS_tgkill, pid, tid, StepSignal) != 0) return false;
                long deadline = Environment.TickCount64 + timeoutMs;
                uint* done = (uint*)(Code.Data + OffDone);
                while (Volatile.Read(ref *done) == 0)
                {
                    long left = deadline - Environment.TickCount64;
                    if (left <= 0) break;
                    var ts = new Timespec { Sec = left / 1000, Nsec = left % 1000 * 1_000_000 };
                    Native.Host.syscall4(SYS_futex, (long)done, FUTEX_WAIT_PRIVATE, 0, (long)&ts);
                }
                ran = Volatile.Read(ref *done) != 0;
                if (ran) result = Result(out failed);
                return ran;
            }
            finally
            {
                // Ignored, not default: a signal still pending would otherwise end the process.
                var ign = new SigAction { Handler = SIG_IGN };
                Native.Host.syscall4(SYS_rt_sigaction, StepSignal, (long)&ign, 0, 8);
            }
        }
    }

    /// <summary>Writes the steps into the data pages: the count last, so a handler that runs meanwhile sees none or all.</summary>
    void Load()
    {
        byte* d = (byte*)Code.Data;
        Volatile.Write(ref *(long*)(d + OffCount), 0);
        *(uint*)(d + OffDone) = 0;
        *(long*)(d + OffFailedIndex) = -1;
        *(long*)(d + OffFailedResult) = 0;
        for (int i = 0; i < _steps.Count; i++)
        {
            long* s = (long*)(d + OffSteps + i * StepSize);
            var (nr, args, tolerated) = _steps[i];
            s[0] = nr;
            for (int j = 0; j < 6; j++) s[1 + j] = args[j];
            s[7] = tolerated == Errno.None ? 0 : -(long)tolerated;
        }
        Volatile.Write(ref *(long*)(d + OffCount), _steps.Count);
    }

    static Errno Result(out int failed)
    {
        byte* d = (byte*)Code.Data;
        failed = (int)*(long*)(d + OffFailedIndex);
        return failed < 0 ? Errno.None : (Errno)(-*(long*)(d + OffFailedResult));
    }

    /// <summary>The machine code (prebuilt: <see cref="StubImagesPrebuilt.ThreadStepsCode"/>) in an executable page,
    /// and the data pages after it; made once per process.</summary>
    static class Code
    {
        internal static readonly object Lock = new();
        internal static readonly nint Handler, Restorer, Data;

        static Code()
        {
            var code = StubImagesPrebuilt.ThreadStepsCode;
            void* p = Tmds.Linux.LibC.mmap(null, PageSize + DataSize, Tmds.Linux.LibC.PROT_READ | Tmds.Linux.LibC.PROT_WRITE,
                Tmds.Linux.LibC.MAP_PRIVATE | Tmds.Linux.LibC.MAP_ANONYMOUS, -1, 0);
            if (p == (void*)-1) throw new InvalidOperationException($"thread steps: mmap: errno {Tmds.Linux.LibC.errno}");
            code.Code.CopyTo(new Span<byte>(p, PageSize));
            if (Tmds.Linux.LibC.mprotect(p, PageSize, Tmds.Linux.LibC.PROT_READ | Tmds.Linux.LibC.PROT_EXEC) != 0)
                throw new InvalidOperationException($"thread steps: mprotect: errno {Tmds.Linux.LibC.errno}");
            Handler = (nint)p;
            Restorer = (nint)p + (nint)code.RestorerOffset;
            Data = (nint)p + PageSize;
        }
    }

    public sealed record Image(byte[] Code, ulong RestorerOffset);

    /// <summary>
    /// Assembles the runner: the source of <see cref="StubImagesPrebuilt.ThreadStepsCode"/>, which a test keeps equal
    /// to it. It is both a signal handler (any register may change: sigreturn restores them) and a function the
    /// calling thread calls (so it keeps rbx, r12 and r13). It finds the data right after its own page.
    /// </summary>
    public static Image Assemble()
    {
        var a = new Assembler(64);
        var start = a.CreateLabel();
        var loop = a.CreateLabel();
        var next = a.CreateLabel();
        var done = a.CreateLabel();
        var restorer = a.CreateLabel();
        a.Label(ref start);
        a.push(rbx); a.push(r12); a.push(r13);
        a.lea(rbx, __[start]); a.add(rbx, PageSize);
        a.mov(r13, __[rbx + OffCount]);
        a.lea(r12, __[rbx + OffSteps]);
        a.Label(ref loop);
        a.test(r13, r13); a.jz(done);
        a.mov(rax, __[r12]);
        a.mov(rdi, __[r12 + 8]); a.mov(rsi, __[r12 + 16]); a.mov(rdx, __[r12 + 24]);
        a.mov(r10, __[r12 + 32]); a.mov(r8, __[r12 + 40]); a.mov(r9, __[r12 + 48]);
        a.syscall();
        a.test(rax, rax); a.jns(next);
        a.cmp(rax, __[r12 + 56]); a.je(next);
        a.mov(__[rbx + OffFailedResult], rax);
        a.mov(rax, r12); a.sub(rax, rbx); a.sub(rax, OffSteps); a.shr(rax, 6); // StepSize = 64
        a.mov(__[rbx + OffFailedIndex], rax);
        a.jmp(done);
        a.Label(ref next);
        a.add(r12, StepSize); a.dec(r13); a.jmp(loop);
        a.Label(ref done);
        a.mov(__dword_ptr[rbx + OffDone], 1);
        a.mov(rdi, rbx); a.mov(esi, FUTEX_WAKE_PRIVATE); a.mov(edx, 1); a.mov(eax, SYS_futex); a.syscall();
        a.pop(r13); a.pop(r12); a.pop(rbx);
        a.ret();
        a.Label(ref restorer);
        a.mov(eax, SYS_rt_sigreturn); a.syscall();
        a.ud2();
        using var ms = new MemoryStream();
        var res = a.Assemble(new StreamCodeWriter(ms), 0, BlockEncoderOptions.ReturnNewInstructionOffsets);
        return new Image(ms.ToArray(), res.GetLabelRIP(restorer));
    }
}
