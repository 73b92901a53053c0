namespace AppKernel.Platform;

/// <summary>
/// How guest code is run and trapped (gVisor's platform.Platform): the kernel asks it for address spaces and
/// execution contexts and never learns the mechanism. One per sandbox, chosen by `--platform`
/// (<see cref="Platforms"/>).
/// </summary>
public interface IPlatform
{
    string Name { get; }
    /// <summary>Guest addresses the platform keeps for itself (its stub): the memory manager never maps there.</summary>
    ulong ReservedBase { get; }
    ulong ReservedSize { get; }
    /// <summary>Whether every call on a context must come from the one OS thread that made it (ptrace's rule).</summary>
    bool OneThreadPerContext { get; }
    /// <summary>A new, empty address space with its first context (for execve and the init).</summary>
    IGuestContext NewProcess();
    /// <summary>Makes the next <see cref="NewProcess"/>'s context ahead, starts the platform's own threads and reads
    /// the host's vDSO layout (<see cref="HostVdso.Warm"/>), for a caller with time to spare (runsc makes the init's
    /// while its gofer starts). It may return before the context is made (systrap makes it on a thread of its own), and
    /// NewProcess then waits for it. Best effort: a failure is NewProcess's to report.</summary>
    void Prespawn();
    /// <summary>Takes over the process a context's <see cref="IGuestContext.ForkStub"/> or CloneVm made.</summary>
    IGuestContext Adopt(long handle);
    /// <summary>Takes over the thread a context's <see cref="IGuestContext.CloneThread"/> made in process hostTgid.</summary>
    IGuestContext AdoptThread(long handle, int hostTgid);
}

/// <summary>
/// One guest thread's execution context and the address space it runs in (gVisor's Context and AddressSpace, one
/// object here because each platform thread is one host thread of the process that holds the address space).
/// </summary>
public interface IGuestContext : IAddressSpace, IDisposable
{
    /// <summary>The host thread and process that run this context (for CPU clocks, ps and diagnostics).</summary>
    int Pid { get; }
    int HostTgid { get; }
    bool IsThread { get; }
    /// <summary>Registers a fresh context starts from: valid segment selectors and flags for building guest states.</summary>
    Registers Template { get; }
    /// <summary>Runs the guest with regs until it traps (a syscall, a fault, or a <see cref="Kick"/>); regs are updated.</summary>
    void Switch(ref Registers regs, out StopInfo stop);
    /// <summary>Makes a running guest trap soon; any thread may call it.</summary>
    void Kick();
    /// <summary>The trapped guest's syscall is about to block in the Sentry: a platform that spins while it waits
    /// for the Sentry can stop spinning (it matters on few cores).</summary>
    void WillBlock() { }
    /// <summary>The wait <see cref="WillBlock"/> announced is over: the guest thread wants a CPU again.</summary>
    void Woke() { }
    /// <summary>The trapped guest's syscall waits for another host process (a gofer round trip): a platform whose
    /// guest thread spins while it waits for the Sentry can spin on through it.</summary>
    void WillWaitOnHost() { }
    /// <summary>A small copy from guest memory at <paramref name="addr"/> into <paramref name="dst"/> made by this
    /// trapped context's own stub thread, cheaper than the host's process_vm calls, for the Sentry thread serving its
    /// syscall (see <see cref="ServingThread"/>) when the memory is that of host process <paramref name="pid"/>: the
    /// bytes moved, short at the first fault, or -1 where the platform cannot do it now (the caller copies itself).</summary>
    int CopyInAsStub(int pid, ulong addr, Span<byte> dst) => -1;
    /// <summary><see cref="CopyInAsStub"/>'s other way: <paramref name="src"/> into guest memory at <paramref name="addr"/>.</summary>
    int CopyOutAsStub(int pid, ulong addr, ReadOnlySpan<byte> src) => -1;
    /// <summary>A read of a host file straight into this context's guest memory, one copy where the Sentry would make
    /// two (a read into its buffer, a copy out): pread(the file's host fd, addr, count, offset) made by this trapped
    /// context's stub thread, for the Sentry thread serving its syscall. result: the bytes read or a negative errno.
    /// False where the platform cannot now (the caller reads and copies itself). wake: worth it even if the stub
    /// thread has to be woken first (a large read, or the rest of one begun so).</summary>
    bool PreadAsStub(IHostReadable file, ulong addr, ulong count, long offset, bool wake, out long result) { result = 0; return false; }
    /// <summary>Whether Switch has told the guest to go on and its host thread has not taken that up yet (a platform
    /// whose guest resumes on its own thread); any thread may ask, even while the context is being disposed. A new
    /// child waits for its parent's return from clone with it.</summary>
    bool ResumePending => false;
    /// <summary>Where a patched syscall site may jump instead of trapping (the stub's trampoline), or 0 where the
    /// platform has none: the kernel then leaves the guest's code alone (see SyscallPatches).</summary>
    ulong SyscallTrampoline => 0;
    /// <summary>The guest's FP/SSE state in fxsave layout (512 bytes).</summary>
    bool GetFpRegs(Span<byte> fxsave512);
    bool SetFpRegs(ReadOnlySpan<byte> fxsave512);
    /// <summary>The guest's whole extended state in ptrace's NT_X86_XSTATE layout (XSAVE's standard format, XCR0 at
    /// byte 464); its size, or 0 where the platform cannot read it.</summary>
    int GetXState(Span<byte> buf) => 0;
    /// <summary>Puts back a state GetXState read (and a debugger changed).</summary>
    bool SetXState(ReadOnlySpan<byte> buf) => false;
    /// <summary>A copy-on-write copy of the address space with a context of its own (fork); a handle for
    /// <see cref="IPlatform.Adopt"/>, or a negative errno.</summary>
    long ForkStub();
    /// <summary>A context sharing this address space in a process of its own (vfork, CLONE_VM); as ForkStub.</summary>
    long CloneVm();
    /// <summary>Another context in this address space (a guest thread); a handle for <see cref="IPlatform.AdoptThread"/>.</summary>
    long CloneThread();
    /// <summary>Ends this context's host thread alone, the process living on (an exec'ing thread's old leader).</summary>
    void ExitThreadOnly();
    /// <summary>Ends every context of the address space at once (exit_group, kill -9), whatever their state.</summary>
    void KillHostProcess();
}

/// <summary>The platform could not make or take over a context (the host refused: limits, a dead stub).</summary>
public sealed class PlatformException(string message) : Exception(message);

/// <summary>The platforms runsc knows, by `--platform` name.</summary>
public static class Platforms
{
    public static readonly string[] Names = ["systrap", "ptrace"];
    /// <summary>systrap, unless the environment's RUNSC_PLATFORM names another (how the tests run every engine's
    /// containers on each platform without editing their configuration).</summary>
    public static string DefaultName =>
        Environment.GetEnvironmentVariable("RUNSC_PLATFORM") is { Length: > 0 } p && Names.Contains(p) ? p : "systrap";

    /// <summary>The platform named; null with why for one that is not known. systrap falls back to ptrace where
    /// seccomp cannot trap, with <paramref name="fallback"/> saying why (for one log line).</summary>
    public static IPlatform? Get(string name, out string? why, out string? fallback)
    {
        why = null;
        fallback = null;
        switch (name)
        {
            case "ptrace": return Ptrace.PtracePlatform.Instance;
            case "systrap":
                if (Systrap.SystrapPlatform.Available(out var no)) return Systrap.SystrapPlatform.Instance;
                fallback = $"platform systrap is not available ({no}); using ptrace";
                return Ptrace.PtracePlatform.Instance;
            default:
                why = $"--platform={name}: unknown platform (known: {string.Join(", ", Names)})";
                return null;
        }
    }
}

/// <summary>
/// A host file the Sentry reads for the guest (a regular file it opened for reading), which a stub may hold open to
/// read it straight into guest memory (<see cref="IGuestContext.PreadAsStub"/>).
/// </summary>
public interface IHostReadable
{
    int HostFd { get; }
    /// <summary>Whether the Sentry's file has been released: a stub's copy of its fd is then closed.</summary>
    bool Closed { get; }
}
