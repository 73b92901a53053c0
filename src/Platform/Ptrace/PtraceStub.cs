using System.Text;
using AppKernel.Platform.Native;
using static AppKernel.Platform.Ptrace.PtraceConstants;

namespace AppKernel.Platform.Ptrace;

/// <summary>
/// One stub process traced with PTRACE_SYSEMU: a guest address space and (for now) its one thread.
/// All calls must come from the OS thread that created it (ptrace's rule).
/// </summary>
public sealed unsafe class PtraceStub : StubAddressSpace, IGuestContext
{
    public int Pid { get; }
    GuestMemory? _memory;
    /// <summary>Guest memory through the process (HostTgid), so it outlives any one stub thread.</summary>
    public GuestMemory Memory => _memory ??= new GuestMemory(HostTgid);
    /// <summary>Registers of a freshly stopped stub: valid cs/ss/eflags for building guest register sets.</summary>
    public Registers Template { get; }
    bool _dead;
    /// <summary>The host process this stub thread belongs to (Pid itself, unless this is a guest thread's stub).</summary>
    public int HostTgid { get; private init; }
    /// <summary>A stub thread of a guest thread: disposing it ends the thread, not the process.</summary>
    public bool IsThread => HostTgid != Pid;

    PtraceStub(int pid, Registers template)
    {
        Pid = pid;
        HostTgid = pid;
        Template = template;
    }

    static int ImageFd() => StubSpawner.ImageFd("appkernel-stub", StubImage.Elf);

    /// <summary>Spawns and seizes a new stub with an empty address space (only the stub page remains).</summary>
    public static PtraceStub Create()
    {
        int pid = StubSpawner.Spawn(ImageFd());
        var stub = Seize(pid, true);
        // The host's vDSO moves into its window (HostVdso); then only the stub's range is left: the guest's address
        // space is ours to lay out.
        ulong ehdr = HostVdso.GuestAddress != 0 ? HostVdso.OfProcess(pid) : 0;
        if (ehdr != 0)
            for (int i = 0; i < HostVdso.Mappings.Count; i++)
            {
                var (off, size) = HostVdso.Mappings[i];
                stub.Inject(25 /* mremap */, (ulong)((long)ehdr + off), size, size, 3 /* MREMAP_MAYMOVE|MREMAP_FIXED */, HostVdso.Target(i));
            }
        stub.Inject(11, 0, StubImage.Base);
        stub.Inject(11, StubImage.Base + StubImage.ReservedSize, 0x7fff_ffff_f000 - (StubImage.Base + StubImage.ReservedSize));
        // The stub's only fd: a pidfd of the Sentry, for MapFile (forked stubs and threads have it too). The stub
        // has no other fd, so it is fd 0; elsewhere (no pidfds on the host) MapFile fails and mappings are copies.
        long pidfd = stub.Inject(434 /* pidfd_open */, (ulong)Environment.ProcessId, 0);
        if (pidfd > 0) stub.Inject(3, (ulong)pidfd);
        return stub;
    }

    /// <summary>
    /// fork: the stub forks itself (the host copies the address space, copy-on-write, MAP_SHARED stays shared).
    /// Returns the child stub's pid; the child spins until <see cref="Adopt"/> seizes it from the child task's thread.
    /// CLONE_PARENT makes the child a child of runsc's spawner thread too, as every stub is: its parent-death signal
    /// then means "runsc is gone" (not "the guest thread that forked ended"), and runsc, its parent as well as its
    /// tracer, reaps it — no stub is ever left to the host's init.
    /// </summary>
    public long ForkStub()
    {
        if (_dead) return -(long)Errno.ESRCH;
        const ulong CLONE_PARENT = 0x8000, SIGCHLD = 17;
        return InjectAt(StubImage.ForkAddress, StubImage.ForkTrapAddress + 1, 56, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0, RunscPid);
    }

    /// <summary>
    /// vfork and clone(CLONE_VM) of a process: a new host process that shares this stub's address space, as the
    /// guest child shares its parent's memory until it execs or exits. Seized with <see cref="Adopt"/>.
    /// </summary>
    /// <summary>Our pid, passed in clone's unused sixth argument (r9) to the stub's fork routine: the child checks its
    /// parent is still us after setting its parent-death signal.</summary>
    static readonly ulong RunscPid = (ulong)Environment.ProcessId;

    public long CloneVm()
    {
        if (_dead) return -(long)Errno.ESRCH;
        const ulong CLONE_VM = 0x100, CLONE_PARENT = 0x8000, SIGCHLD = 17;
        return InjectAt(StubImage.ForkAddress, StubImage.ForkTrapAddress + 1, 56, CLONE_VM | CLONE_PARENT | SIGCHLD, 0, 0, 0, 0, RunscPid);
    }

    /// <summary>Seizes a stub made by <see cref="ForkStub"/> or <see cref="CloneVm"/>; must be called on the thread that will run it.</summary>
    public static PtraceStub Adopt(int pid)
    {
        var stub = Seize(pid, true);
        stub.Inject(157, 1, SIGKILL); // prctl(PR_SET_PDEATHSIG): fork cleared it
        return stub;
    }

    /// <summary>
    /// A new host thread in this stub's process for a guest thread (clone with CLONE_VM|CLONE_THREAD, no stack:
    /// it only spins). Returns its tid; <see cref="AdoptThread"/> seizes it from the guest thread's task thread.
    /// </summary>
    public long CloneThread()
    {
        const ulong flags = 0x100 | 0x200 | 0x400 | 0x800 | 0x10000 | 0x40000; // VM FS FILES SIGHAND THREAD SYSVSEM
        return InjectAt(StubImage.ForkAddress, StubImage.ForkTrapAddress + 1, 56, flags, 0, 0, 0, 0, RunscPid);
    }

    public static PtraceStub AdoptThread(int tid, int hostTgid)
    {
        var s = Seize(tid, false);
        return new PtraceStub(tid, s.Template) { HostTgid = hostTgid };
    }

    static PtraceStub Seize(int pid, bool ourChild)
    {
        if (Host.ptrace(PTRACE_SEIZE, pid, 0, (nint)(PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL)) < 0)
        {
            int e = Host.Errno;
            Tmds.Linux.LibC.kill(pid, SIGKILL);
            int st; if (ourChild) Host.waitpid(pid, &st, 0);
            throw new PlatformException($"PTRACE_SEIZE failed: errno {e}");
        }
        Host.ptrace(PTRACE_INTERRUPT, pid, 0, 0);
        int status;
        while (true)
        {
            if (Host.waitpid(pid, &status, __WALL) < 0) throw new PlatformException($"waitpid: errno {Host.Errno}");
            if (!IsStopped(status)) throw new PlatformException($"stub exited during start-up (status 0x{status:x})");
            if ((status >> 16) == PTRACE_EVENT_STOP) break;
            // Some other stop (a signal): let it continue, suppressing the signal, until the interrupt lands.
            Host.ptrace(PTRACE_CONT, pid, 0, 0);
        }
        Registers regs;
        Host.ptrace(PTRACE_GETREGS, pid, 0, (nint)(&regs));
        return new PtraceStub(pid, regs);
    }

    static bool IsStopped(int status) => (status & 0xff) == 0x7f;

    /// <summary>Runs one real syscall inside the stub and returns its raw result (negative errno on failure).</summary>
    public long Inject(long nr, ulong a0 = 0, ulong a1 = 0, ulong a2 = 0, ulong a3 = 0, ulong a4 = 0, ulong a5 = 0) =>
        InjectAt(StubImage.InjectAddress, StubImage.InjectAddress + 3, nr, a0, a1, a2, a3, a4, a5);

    // Runs the syscall at entry; done when the stub traps with rip at trapRip (just after its int3).
    long InjectAt(ulong entry, ulong trapRip, long nr, ulong a0 = 0, ulong a1 = 0, ulong a2 = 0, ulong a3 = 0, ulong a4 = 0, ulong a5 = 0)
    {
        if (_dead) return -(long)Errno.ESRCH;
        var r = Template;
        r.Rax = (ulong)nr;
        r.Rdi = a0; r.Rsi = a1; r.Rdx = a2; r.R10 = a3; r.R8 = a4; r.R9 = a5;
        return RunAt(r, entry, trapRip);
    }

    // Runs the stub from entry with registers r until it traps with rip at trapRip; returns rax.
    long RunAt(Registers r, ulong entry, ulong trapRip)
    {
        r.Rip = entry;
        r.OrigRax = ulong.MaxValue; // no syscall restart on the way out
        if (Host.ptrace(PTRACE_SETREGS, Pid, 0, (nint)(&r)) < 0) return Lost();
        if (Host.ptrace(PTRACE_CONT, Pid, 0, 0) < 0) return Lost();
        while (true)
        {
            int status;
            if (Host.waitpid(Pid, &status, __WALL) < 0 || !IsStopped(status)) return Lost();
            int sig = (status >> 8) & 0xff;
            if (sig == SIGTRAP && (status >> 16) == 0)
            {
                if (Host.ptrace(PTRACE_GETREGS, Pid, 0, (nint)(&r)) < 0) return Lost();
                if (r.Rip == trapRip) return (long)r.Rax;
            }
            // A fault in the stub's own code (its page or stack gone): it cannot run anything we inject, and
            // continuing would only fault again, forever.
            if (sig is SIGSEGV or SIGBUS or SIGILL or SIGFPE) return Lost();
            // Anything else (an outside signal, an interrupt) is dropped while we own the stub.
            Host.ptrace(PTRACE_CONT, Pid, 0, 0);
        }
    }

    protected override long StubSyscall(long nr, ulong a0, ulong a1, ulong a2, ulong a3, ulong a4, ulong a5) =>
        Inject(nr, a0, a1, a2, a3, a4, a5);

    // The stub takes its own copy of the Sentry's fd (pidfd_getfd through its pidfd, fd 0), maps it and closes it,
    // in one round trip: no path is involved, so no guest-writable memory can steer what is opened.
    public long MapFile(ulong addr, ulong len, int prot, int flags, int hostFd, ulong offset)
    {
        if (_dead) return -(long)Errno.ESRCH;
        var r = Template;
        r.Rdi = 0; r.Rsi = (ulong)hostFd;
        r.R12 = addr; r.R13 = len; r.R14 = (ulong)prot; r.R15 = (ulong)(flags | 0x10 /* MAP_FIXED */); r.Rbx = offset;
        return RunAt(r, StubImage.MapFdAddress, StubImage.MapFdTrapAddress);
    }

    long Lost()
    {
        _dead = true;
        return -(long)Errno.ESRCH;
    }

    /// <summary>Runs the guest with the given registers until it traps; regs are updated in place.</summary>
    public void Switch(ref Registers regs, out StopInfo stop)
    {
        stop = default;
        if (_dead) { stop.Kind = StopKind.Exited; return; }
        fixed (Registers* pr = &regs)
        {
            if (Host.ptrace(PTRACE_SETREGS, Pid, 0, (nint)pr) < 0)
            {
                // Registers the host refuses (a non-canonical base): the stub is alive but cannot run them. End it
                // for real, or its process would wait forever for a thread that never goes.
                Dispose();
                stop.Kind = StopKind.Exited; return;
            }
            if (Host.ptrace(PTRACE_SYSEMU, Pid, 0, 0) < 0)
            {
                _dead = true; stop.Kind = StopKind.Exited; return;
            }
            while (true)
            {
                int status;
                if (Host.waitpid(Pid, &status, __WALL) < 0) { _dead = true; stop.Kind = StopKind.Exited; return; }
                stop.WaitStatus = status;
                if (!IsStopped(status)) { _dead = true; stop.Kind = StopKind.Exited; return; }
                int sig = (status >> 8) & 0xff;
                if (sig == (SIGTRAP | 0x80))
                {
                    Host.ptrace(PTRACE_GETREGS, Pid, 0, (nint)pr);
                    stop.Kind = StopKind.Syscall;
                    return;
                }
                if ((status >> 16) == PTRACE_EVENT_STOP)
                {
                    Host.ptrace(PTRACE_SYSEMU, Pid, 0, 0);
                    continue;
                }
                SigInfo info;
                Host.ptrace(PTRACE_GETSIGINFO, Pid, 0, (nint)(&info));
                Host.ptrace(PTRACE_GETREGS, Pid, 0, (nint)pr);
                stop.Kind = StopKind.Signal;
                stop.Signal = sig;
                stop.Info = info;
                return;
            }
        }
    }

    /// <summary>The guest's FP/SSE state in fxsave layout (512 bytes): saved in and restored from signal frames.</summary>
    public bool GetFpRegs(Span<byte> fxsave512)
    {
        fixed (byte* p = fxsave512) return fxsave512.Length >= 512 && Host.ptrace(PTRACE_GETFPREGS, Pid, 0, (nint)p) == 0;
    }

    public bool SetFpRegs(ReadOnlySpan<byte> fxsave512)
    {
        fixed (byte* p = fxsave512) return fxsave512.Length >= 512 && Host.ptrace(PTRACE_SETFPREGS, Pid, 0, (nint)p) == 0;
    }

    public int GetXState(Span<byte> buf)
    {
        fixed (byte* p = buf)
        {
            var iov = new IoVec { Base = (nint)p, Len = (nuint)buf.Length };
            return Host.ptrace(PTRACE_GETREGSET, Pid, (nint)NT_X86_XSTATE, (nint)(&iov)) == 0 ? (int)iov.Len : 0;
        }
    }

    public bool SetXState(ReadOnlySpan<byte> buf)
    {
        fixed (byte* p = buf)
        {
            var iov = new IoVec { Base = (nint)p, Len = (nuint)buf.Length };
            return Host.ptrace(PTRACE_SETREGSET, Pid, (nint)NT_X86_XSTATE, (nint)(&iov)) == 0;
        }
    }

    /// <summary>Makes a running guest trap soon (from any thread): a host SIGURG to the stub stops it at a
    /// signal-delivery-stop, which Switch reports and the next resume suppresses.</summary>
    public void Kick()
    {
        if (!_dead && Pid > 0) Host.syscall(234 /* tgkill */, HostTgid, Pid, 23 /* SIGURG */);
    }

    public void ExitThreadOnly() => Inject(60 /* exit */, 0);

    /// <summary>SIGKILL to the whole host process of this stub (all its threads), whatever we believe of its state.</summary>
    public void KillHostProcess()
    {
        if (HostTgid > 0) Tmds.Linux.LibC.kill(HostTgid, SIGKILL);
    }

    public void Dispose()
    {
        if (Pid <= 0) return;
        if (IsThread)
        {
            // Only this host thread ends (exit, not exit_group); the process and its other threads go on.
            if (!_dead) Inject(60, 0);
            _dead = true;
            return;
        }
        Tmds.Linux.LibC.kill(Pid, SIGKILL);
        Host.Reap(Pid);
        _dead = true;
    }
}


