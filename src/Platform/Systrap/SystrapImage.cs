using System.Buffers.Binary;
using AppKernel.Platform.Confinement;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;
using static AppKernel.Platform.Systrap.SysmsgLayout;

namespace AppKernel.Platform.Systrap;

/// <summary>
/// The systrap stub: a one-page static ELF. At start it maps its first message area (fd 1), installs its signal
/// handler on that area's stack and a seccomp filter that traps every syscall not made from one of its own syscall
/// instructions, and traps once (int3) to say it is ready. From then on each guest thread is a host thread of it:
/// a guest syscall (SIGSYS), fault or kick lands in the handler, which publishes the frame in the thread's area,
/// wakes the Sentry and waits; the Sentry asks it to make syscalls for it (mmap, clone ...) or to copy guest memory,
/// and finally edits the frame and lets it rt_sigreturn to the guest.
///
/// Each syscall instruction in the page is a "site" the filter allows for the one purpose (and number) it serves,
/// so a guest that jumps into the page can do nothing it could not do through the Sentry.
/// </summary>
public static class SystrapImage
{
    const int CodeOffset = 0x80;
    // Data after the code: the sigaction (32 bytes), the filter's sock_fprog (16), the handled signals (8 bytes),
    // then the filter.
    const int DataOffset = 0xb00;
    const ulong SigactionAddr = CodeBase + DataOffset;
    const ulong FprogAddr = SigactionAddr + 32;
    const ulong SignalListAddr = SigactionAddr + 48;
    const ulong FilterAddr = SigactionAddr + 56;
    // About 30 us of `pause` here: long enough to cover a syscall served without blocking (a path lookup with its
    // copies takes ~10 us); a blocking one sets OffSentryBlocks and the handler sleeps at once. One that waits on the
    // gofer (40-100 us a round trip here) says so there, and the handler spins up to WaitsOnHostRounds times as long:
    // the Sentry's thread sleeps meanwhile, so the spin takes no CPU another thread of ours needs, and waking a
    // sleeping handler from a VM's idle CPU costs 50-200 us.
    const int SpinCount = 1500;
    // Linux's GDT entry whose segment limit holds the CPU number (and node above bit 12): __CPUNODE_SEG's selector.
    const int CpuNodeSelector = 0x7b;
    const int WaitsOnHostRounds = 8;

    const int SYS_close = 3, SYS_rt_sigprocmask = 14, SIG_SETMASK = 2, SYS_mmap = 9, SYS_mprotect = 10, SYS_munmap = 11, SYS_rt_sigaction = 13,
        SYS_rt_sigreturn = 15, SYS_pread64 = 17, SYS_mremap = 25, SYS_madvise = 28, SYS_recvmsg = 47, SYS_clone = 56, SYS_exit = 60, SYS_membarrier = 324,
        SYS_getppid = 110, SYS_sigaltstack = 131, SYS_prctl = 157, SYS_arch_prctl = 158, SYS_futex = 202,
        SYS_exit_group = 231;
    const int FUTEX_WAIT = 0, FUTEX_WAKE = 1;
    const int PR_SET_PDEATHSIG = 1, PR_SET_NO_NEW_PRIVS = 38, PR_SET_SECCOMP = 22, SECCOMP_MODE_FILTER = 2;
    const int ARCH_SET_GS = 0x1001, ARCH_SET_FS = 0x1002;
    const int SIGKILL = 9, SIGBUS = 7, SIGSEGV = 11;
    const ulong SA_SIGINFO = 4, SA_ONSTACK = 0x0800_0000, SA_RESTORER = 0x0400_0000;
    const int MAP_SHARED = 1, MAP_FIXED = 0x10, PROT_RW = 3;

    /// <summary>Where the Sentry puts the entries of patched syscall sites in a guest address space: below 2 GiB, for
    /// the jump's 32-bit absolute operand, and with 0x06 (an invalid opcode) as that operand's third byte, which is
    /// where the site's syscall instruction was: a thread that ran the old mov just before the jump was written
    /// faults there and is set right (gVisor's usertrap table, at the same place).</summary>
    public const ulong TrampolineTableBase = 0x60000, TrampolineTableSize = 0x10000;

    /// <summary>The signals the handler takes: seccomp's trap, the faults, and the Sentry's kick.</summary>
    public static readonly int[] HandledSignals = [31 /* SIGSYS */, 11, 7, 8, 4, 5, 23 /* SIGURG */];
    public const int KickSignal = 23;

    /// <summary>clone flags the stub may use, one per <see cref="CloneKind"/>.</summary>
    public const ulong ForkFlags = 0x8000 | 17;                                  // CLONE_PARENT | SIGCHLD
    public const ulong SharedMemoryFlags = 0x100 | 0x8000 | 17;                  // CLONE_VM | CLONE_PARENT | SIGCHLD
    public const ulong ThreadFlags = 0x100 | 0x200 | 0x400 | 0x800 | 0x10000 | 0x40000; // VM FS FILES SIGHAND THREAD SYSVSEM

    /// <summary>The image, as <see cref="Assemble"/> makes it (kept prebuilt: see <see cref="StubImagesPrebuilt"/>).</summary>
    public static byte[] Elf => StubImagesPrebuilt.SystrapElf;

    /// <summary>The filter's (site, syscall) pairs, for tests and diagnostics.</summary>
    public static IReadOnlyList<(ulong Ip, int Nr)> Sites => StubImagesPrebuilt.SystrapSites;

    /// <summary>Where a patched syscall site's entry jumps (see <see cref="Assemble"/>'s trampoline).</summary>
    public static ulong Trampoline => StubImagesPrebuilt.SystrapTrampoline;

    public sealed record Image(byte[] Elf, List<(ulong Ip, int Nr)> Sites, ulong Trampoline);

    /// <summary>Assembles the image and lists its sites: the source of <see cref="StubImagesPrebuilt"/>, which a test
    /// keeps equal to it.</summary>
    public static Image Assemble()
    {
        var a = new Assembler(64);
        var sites = new List<(Label Site, int[] Nrs)>();
        // A syscall instruction at a site the filter allows for nrs.
        void Sys(params int[] nrs)
        {
            var l = a.CreateLabel();
            a.Label(ref l);
            a.syscall();
            sites.Add((l, nrs));
        }
        // The handler and the children find their area from the stack they run on.
        void AreaFromStack(AssemblerRegister64 r)
        {
            a.mov(r, rsp); a.sub(r, 1); a.and(r, unchecked((int)~(SlotSize - 1)));
        }
        // sigaltstack on the area in rbx (the stack_t is written into the area's header).
        void AltStack()
        {
            a.lea(rax, __[rbx + StackOffset]);
            a.mov(__[rbx + OffAltStack], rax);
            a.mov(__dword_ptr[rbx + OffAltStack + 8], 0);
            a.mov(__qword_ptr[rbx + OffAltStack + 16], (int)(SlotSize - StackOffset));
            a.lea(rdi, __[rbx + OffAltStack]); a.xor(esi, esi); a.mov(eax, SYS_sigaltstack); Sys(SYS_sigaltstack);
        }

        var handler = a.CreateLabel();
        var trapped = a.CreateLabel();
        var wait = a.CreateLabel();
        var spin = a.CreateLabel();
        var got = a.CreateLabel();
        var doSyscall = a.CreateLabel();
        var doClone = a.CreateLabel();
        var doResume = a.CreateLabel();
        var doCopy = a.CreateLabel();
        var copyInsn = a.CreateLabel();
        var copyDone = a.CreateLabel();
        var childCommon = a.CreateLabel();
        var childReady = a.CreateLabel();
        var sharedChild = a.CreateLabel();
        var noFs = a.CreateLabel();
        var noGs = a.CreateLabel();
        var die = a.CreateLabel();
        var sigLoop = a.CreateLabel();
        var trampoline = a.CreateLabel();
        var trampolineResume = a.CreateLabel();
        var trampolineEnd = a.CreateLabel();
        var sigreturn = a.CreateLabel();

        // --- start: fd 1 is the first area's memfd, fd 0 the socket fds arrive on, fd 3 this image.
        // The host's vDSO moves into its window (HostVdso): find AT_SYSINFO_EHDR past argv and envp on the stack.
        if (HostVdso.GuestAddress != 0)
        {
            var envLoop = a.CreateLabel();
            var auxLoop = a.CreateLabel();
            var found = a.CreateLabel();
            var noVdso = a.CreateLabel();
            a.mov(rax, __qword_ptr[rsp]);
            a.lea(rdx, __[rsp + rax * 8 + 16]);
            a.Label(ref envLoop);
            a.mov(rax, __qword_ptr[rdx]); a.add(rdx, 8); a.test(rax, rax); a.jnz(envLoop);
            a.Label(ref auxLoop);
            a.mov(rax, __qword_ptr[rdx]);
            a.test(rax, rax); a.jz(noVdso);
            a.cmp(rax, 33 /* AT_SYSINFO_EHDR */); a.je(found);
            a.add(rdx, 16); a.jmp(auxLoop);
            a.Label(ref found);
            a.mov(r12, __qword_ptr[rdx + 8]);
            for (int i = 0; i < HostVdso.Mappings.Count; i++)
            {
                var (off, size) = HostVdso.Mappings[i];
                a.mov(rdi, r12); a.mov(rax, off); a.add(rdi, rax);
                a.mov(rsi, size); a.mov(rdx, size); a.mov(r10d, 3 /* MREMAP_MAYMOVE|MREMAP_FIXED */);
                a.mov(r8, HostVdso.Target(i)); a.mov(eax, SYS_mremap); a.syscall();
            }
            a.Label(ref noVdso);
        }
        a.mov(edi, 3); a.mov(eax, SYS_close); a.syscall();
        a.mov(edi, PR_SET_PDEATHSIG); a.mov(esi, SIGKILL); a.mov(eax, SYS_prctl); a.syscall();
        // Leave only our own range: below it and above it is the guest's, laid out by the Sentry.
        a.xor(edi, edi); a.mov(rsi, CodeBase); a.mov(eax, SYS_munmap); a.syscall();
        a.mov(rdi, CodeBase + ReservedSize); a.mov(rsi, 0x7fff_ffff_f000 - (CodeBase + ReservedSize)); a.mov(eax, SYS_munmap); a.syscall();
        a.mov(rdi, SlotAddress(0)); a.mov(esi, (int)SlotSize); a.mov(edx, PROT_RW); a.mov(r10d, MAP_SHARED | MAP_FIXED);
        a.mov(r8d, 1); a.xor(r9d, r9d); a.mov(eax, SYS_mmap); a.syscall();
        a.test(rax, rax); a.js(die);
        a.mov(edi, 1); a.mov(eax, SYS_close); a.syscall();
        a.mov(rbx, SlotAddress(0));
        a.lea(rsp, __[rbx + (int)SlotSize]);
        AltStack();
        a.xor(r12d, r12d);
        a.Label(ref sigLoop);
        a.mov(rax, SignalListAddr);
        a.movzx(edi, __byte_ptr[rax + r12]);
        a.mov(rsi, SigactionAddr); a.xor(edx, edx); a.mov(r10d, 8); a.mov(eax, SYS_rt_sigaction); a.syscall();
        a.inc(r12d); a.cmp(r12d, HandledSignals.Length); a.jb(sigLoop);
        a.mov(edi, PR_SET_NO_NEW_PRIVS); a.mov(esi, 1); a.xor(edx, edx); a.xor(r10d, r10d); a.xor(r8d, r8d); a.mov(eax, SYS_prctl); a.syscall();
        a.mov(edi, PR_SET_SECCOMP); a.mov(esi, SECCOMP_MODE_FILTER); a.mov(rdx, FprogAddr); a.mov(eax, SYS_prctl); a.syscall();
        a.test(rax, rax); a.jnz(die);
        a.int3(); // ready: the handler reports this first trap, and the Sentry's first resume starts the guest
        a.Label(ref die);
        a.mov(edi, 127); a.mov(eax, SYS_exit_group); Sys(SYS_exit_group);

        // --- the handler: rdi signal, rsi siginfo, rdx ucontext, on the area's stack.
        a.Label(ref handler);
        AreaFromStack(rbx);
        a.mov(r12, rdx);
        // Stub code runs with signals open only on a trampoline's way (below). A kick there is not the guest's: on
        // the way in or while the Sentry serves the call it is dropped (the thread is on its way to the Sentry
        // anyway); once the Sentry said Resume, the trampoline's frame still holds the whole guest state, so that is
        // what is reported, as if the kick had come just after the guest's syscall.
        var own = a.CreateLabel();
        var inStub = a.CreateLabel();
        var ignore = a.CreateLabel();
        var rewind = a.CreateLabel();
        var notCopy = a.CreateLabel();
        var copyCheck = a.CreateLabel();
        a.mov(rax, __qword_ptr[rdx + UcMcontext + 16 * 8]);
        // A fault of a copy command's movs (a guest address that is not mapped so): the copy ends there, and its
        // count is what it moved. The handler runs with these two faults open for this.
        a.cmp(edi, SIGSEGV); a.je(copyCheck);
        a.cmp(edi, SIGBUS); a.jne(notCopy);
        a.Label(ref copyCheck);
        a.lea(rcx, __[copyInsn]); a.cmp(rax, rcx); a.jne(notCopy);
        a.lea(rcx, __[copyDone]); a.mov(__qword_ptr[rdx + UcMcontext + 16 * 8], rcx);
        a.mov(rsp, rdx);
        a.jmp(sigreturn);
        a.Label(ref notCopy);
        a.mov(rcx, rax); a.mov(r8, CodeBase); a.sub(rcx, r8); a.cmp(rcx, (int)SysmsgLayout.CodeSize); a.jb(inStub);
        a.mov(rcx, rax); a.sub(rcx, (int)TrampolineTableBase); a.cmp(rcx, (int)TrampolineTableSize); a.jb(inStub);
        a.jmp(own);
        a.Label(ref inStub);
        a.cmp(edi, KickSignal); a.jne(own);
        a.cmp(__dword_ptr[rbx + OffState], State.Resume); a.je(rewind);
        a.lea(rcx, __[trampolineResume]); a.cmp(rax, rcx); a.jb(ignore);
        a.lea(rcx, __[trampolineEnd]); a.cmp(rax, rcx); a.jae(ignore);
        a.Label(ref rewind);
        // The kick's own kernel frame is never returned through (the trampoline's way out jumps): start again from
        // the trampoline's stack, or each kick reported on the way out would nest a frame deeper, until one no
        // longer fits on the alternate stack and the host kills the whole process.
        a.lea(rsp, __[rbx + TrampolineRsp]);
        a.mov(r12, __qword_ptr[rbx + OffContext]);
        a.mov(__dword_ptr[rbx + OffViaTrampoline], 1);
        a.mov(__dword_ptr[rbx + OffUnblock], 1);
        a.mov(__dword_ptr[rbx + OffSigno], edi);
        a.mov(__[rbx + OffInfo], rsi);
        a.jmp(trapped);
        a.Label(ref ignore);
        a.mov(rsp, rdx);
        a.jmp(sigreturn);
        a.Label(ref own);
        a.mov(__dword_ptr[rbx + OffViaTrampoline], 0);
        a.mov(__dword_ptr[rbx + OffSigno], edi);
        a.mov(__[rbx + OffInfo], rsi);
        a.mov(__[rbx + OffContext], rdx);
        // Publish (xchg: a full barrier before reading whether the Sentry sleeps), and wake it only if it does.
        a.Label(ref trapped);
        a.mov(eax, State.Trapped);
        a.xchg(__dword_ptr[rbx + OffState], eax);
        a.cmp(__dword_ptr[rbx + OffSentrySleeps], 0); a.je(wait);
        a.lea(rdi, __[rbx + OffState]); a.mov(esi, FUTEX_WAKE); a.mov(edx, 1); a.mov(eax, SYS_futex); Sys(SYS_futex);
        a.Label(ref wait);
        // This CPU, as the vDSO's getcpu reads it (the limit of the per-CPU segment), plus one; no spin when the
        // Sentry's thread answered from it last: it could not run until the spin ends.
        // (The state first: a wake-up finds the answer here, and would otherwise sleep again on a changed word.)
        var sleep = a.CreateLabel();
        a.mov(eax, __dword_ptr[rbx + OffState]);
        a.cmp(eax, State.Trapped); a.jne(got);
        a.mov(edx, CpuNodeSelector); a.lsl(edx, edx); a.and(edx, 0xfff); a.inc(edx);
        a.mov(__dword_ptr[rbx + OffStubCpu], edx);
        a.cmp(__dword_ptr[rbx + OffSentryCpu], edx); a.je(sleep);
        a.mov(ecx, SpinCount);
        a.mov(r9d, WaitsOnHostRounds);
        a.Label(ref spin);
        a.mov(eax, __dword_ptr[rbx + OffState]);
        a.cmp(eax, State.Trapped); a.jne(got);
        a.cmp(__dword_ptr[rbx + OffSentryBlocks], Serving.Blocks); a.je(sleep);
        a.pause(); a.dec(ecx); a.jnz(spin);
        a.cmp(__dword_ptr[rbx + OffSentryBlocks], Serving.WaitsOnHost); a.jne(sleep);
        a.dec(r9d); a.jz(sleep);
        a.mov(ecx, SpinCount); a.jmp(spin);
        a.Label(ref sleep);
        // Say we sleep (xchg: before the futex's own check of the word), sleep, and say we are awake.
        a.mov(eax, 1);
        a.xchg(__dword_ptr[rbx + OffStubSleeps], eax);
        a.lea(rdi, __[rbx + OffState]); a.mov(esi, FUTEX_WAIT); a.mov(edx, State.Trapped); a.xor(r10d, r10d);
        a.mov(eax, SYS_futex); Sys(SYS_futex);
        a.mov(__dword_ptr[rbx + OffStubSleeps], 0);
        a.jmp(wait);
        a.Label(ref got);
        a.cmp(eax, State.Syscall); a.je(doSyscall);
        a.cmp(eax, State.Clone); a.je(doClone);
        a.cmp(eax, State.Resume); a.je(doResume);
        a.cmp(eax, State.Copy); a.je(doCopy);
        a.jmp(trapped); // anything else (the guest wrote it): say again that we wait

        // A copy for the Sentry, between the guest's memory and the bounce buffer: no syscall, unlike process_vm's.
        // A fault stops the movs (above) with rcx the bytes left. cld: a trampoline's trap keeps the guest's flags.
        a.Label(ref doCopy);
        a.mov(rdi, __[rbx + OffArgs]); a.mov(rsi, __[rbx + OffArgs + 8]); a.mov(rcx, __[rbx + OffArgs + 16]);
        a.mov(r8, rcx);
        a.cld();
        a.Label(ref copyInsn);
        a.rep.movsb();
        a.Label(ref copyDone);
        a.sub(r8, rcx);
        a.mov(__[rbx + OffResult], r8);
        a.jmp(trapped);

        // A syscall for the Sentry: address-space changes, fds arriving, a thread's exit, a memory barrier, and a
        // host file's pread into guest memory (the fds the stub holds are files its guest may read: StubFiles).
        a.Label(ref doSyscall);
        a.mov(rax, __[rbx + OffNr]);
        a.mov(rdi, __[rbx + OffArgs]); a.mov(rsi, __[rbx + OffArgs + 8]); a.mov(rdx, __[rbx + OffArgs + 16]);
        a.mov(r10, __[rbx + OffArgs + 24]); a.mov(r8, __[rbx + OffArgs + 32]); a.mov(r9, __[rbx + OffArgs + 40]);
        Sys(SYS_mmap, SYS_munmap, SYS_mprotect, SYS_mremap, SYS_madvise, SYS_close, SYS_recvmsg, SYS_exit, SYS_membarrier, SYS_pread64);
        a.mov(__[rbx + OffResult], rax);
        a.jmp(trapped);

        // clone(flags = arg0, stack = arg1); arg2 the child's kind, arg3 a fork child's new area fd, arg4 the socket
        // fd it drops, arg5 runsc's pid. All are taken into registers first: the parent's area is shared.
        a.Label(ref doClone);
        a.mov(rdi, __[rbx + OffArgs]); a.mov(rsi, __[rbx + OffArgs + 8]); a.mov(r13, __[rbx + OffArgs + 16]);
        a.mov(r14, __[rbx + OffArgs + 24]); a.mov(r15, __[rbx + OffArgs + 32]); a.mov(rbp, __[rbx + OffArgs + 40]);
        a.xor(edx, edx); a.xor(r10d, r10d); a.xor(r8d, r8d); a.xor(r9d, r9d);
        a.mov(eax, SYS_clone); Sys(SYS_clone);
        a.test(rax, rax);
        var child = a.CreateLabel();
        a.jz(child);
        a.mov(__[rbx + OffResult], rax);
        a.jmp(trapped);
        a.Label(ref child);
        a.cmp(r13, (int)CloneKind.Fork);
        a.jne(sharedChild);
        // A fork child: its memory is a copy, but the areas are shared memfds. Map its own area over the slot it was
        // forked in (it runs on no stack meanwhile), drop the other slots and the parent's socket.
        a.mov(rdi, rbx); a.mov(esi, (int)SlotSize); a.mov(edx, PROT_RW); a.mov(r10d, MAP_SHARED | MAP_FIXED);
        a.mov(r8, r14); a.xor(r9d, r9d); a.mov(eax, SYS_mmap); Sys(SYS_mmap);
        a.test(rax, rax); a.js(die);
        a.mov(rdi, r14); a.mov(eax, SYS_close); Sys(SYS_close);
        a.mov(rdi, r15); a.mov(eax, SYS_close); Sys(SYS_close);
        a.mov(rdi, SlotsBase); a.mov(rsi, rbx); a.sub(rsi, rdi); a.mov(eax, SYS_munmap); Sys(SYS_munmap);
        a.lea(rdi, __[rbx + (int)SlotSize]); a.mov(rsi, SlotsBase + MaxSlots * SlotSize); a.sub(rsi, rdi); a.mov(eax, SYS_munmap); Sys(SYS_munmap);
        a.lea(rsp, __[rbx + (int)SlotSize]);
        a.jmp(childCommon);
        // A thread, or a process sharing the memory: it starts on its own (new) area's stack.
        a.Label(ref sharedChild);
        AreaFromStack(rbx);
        AltStack();
        a.cmp(r13, (int)CloneKind.Thread);
        a.je(childReady);
        // A child process: die with runsc (a fork does not inherit this), and if runsc is already gone, now.
        a.Label(ref childCommon);
        a.mov(edi, PR_SET_PDEATHSIG); a.mov(esi, SIGKILL); a.mov(eax, SYS_prctl); Sys(SYS_prctl);
        a.mov(eax, SYS_getppid); Sys(SYS_getppid);
        a.cmp(rax, rbp); a.jne(die);
        // Born inside the handler, the child has every signal blocked, and a blocked int3 would kill it.
        a.Label(ref childReady);
        a.mov(__qword_ptr[rbx + OffZeroMask], 0);
        a.mov(edi, SIG_SETMASK); a.lea(rsi, __[rbx + OffZeroMask]); a.xor(edx, edx); a.mov(r10d, 8);
        a.mov(eax, SYS_rt_sigprocmask); Sys(SYS_rt_sigprocmask);
        a.int3();
        a.jmp(die);

        // Back to the guest with the frame the Sentry left (and the TLS bases it asked for).
        a.Label(ref doResume);
        a.cmp(__qword_ptr[rbx + OffSetFs], 0); a.je(noFs);
        a.mov(__qword_ptr[rbx + OffSetFs], 0);
        a.mov(edi, ARCH_SET_FS); a.mov(rsi, __[rbx + OffFsValue]); a.mov(eax, SYS_arch_prctl); Sys(SYS_arch_prctl);
        a.Label(ref noFs);
        a.cmp(__qword_ptr[rbx + OffSetGs], 0); a.je(noGs);
        a.mov(__qword_ptr[rbx + OffSetGs], 0);
        a.mov(edi, ARCH_SET_GS); a.mov(rsi, __[rbx + OffGsValue]); a.mov(eax, SYS_arch_prctl); Sys(SYS_arch_prctl);
        a.Label(ref noGs);
        a.cmp(__dword_ptr[rbx + OffViaTrampoline], 0); a.jne(trampolineResume);
        a.mov(__dword_ptr[rbx + OffState], State.Running);
        a.mov(rsp, r12);
        a.Label(ref sigreturn);
        a.mov(eax, SYS_rt_sigreturn); Sys(SYS_rt_sigreturn);

        // --- A patched syscall site (gVisor's usertrap): the guest's `mov $nr, %eax; syscall` became a jump
        // through an entry of the table at TrampolineTableBase, which loads eax with nr and rcx with the return
        // address (rcx and r11 are the syscall's to clobber) and comes here. The host GS base is this thread's area
        // (the Sentry keeps it so while the guest has none of its own). This builds, on the area's stack, the frame
        // the kernel would have built for the seccomp trap, so the Sentry sees the same trap, and returns by hand:
        // no signal, no sigreturn. Signals stay open all the way (see the handler's kick rule).
        int G(int i) => TrampolineUc + UcMcontext + i * 8;
        a.Label(ref trampoline);
        a.mov(__qword_ptr.gs[OffAppRsp], rsp);
        a.mov(rsp, __qword_ptr.gs[OffSelf]);
        a.lea(rsp, __[rsp + TrampolineRsp]);
        a.pushfq();
        a.push(rbx);
        a.mov(rbx, __qword_ptr.gs[OffSelf]);
        // The general registers in struct sigcontext's order; r11 and rbx are taken apart below.
        AssemblerRegister64[] gregs = [r8, r9, r10, r11, r12, r13, r14, r15, rdi, rsi, rbp, rbx, rdx, rax, rcx];
        for (int i = 0; i < gregs.Length; i++)
            if (i is not (3 or 11)) a.mov(__[rbx + G(i)], gregs[i]);
        a.pop(r8); a.mov(__[rbx + G(11)], r8);                            // rbx
        a.pop(r8); a.mov(__[rbx + G(17)], r8); a.mov(__[rbx + G(3)], r8); // eflags, and r11 as syscall leaves it
        a.mov(__[rbx + G(16)], rcx);                                      // rip: after the syscall
        a.mov(r8, __qword_ptr[rbx + OffAppRsp]); a.mov(__[rbx + G(15)], r8);
        a.mov(r8, 0x002b_0000_0000_0033L); a.mov(__[rbx + G(18)], r8);    // cs, gs, fs, ss
        a.lea(rdi, __[rbx + TrampolineFp]);
        a.mov(__[rbx + TrampolineUc + UcFpState], rdi);
        a.mov(eax, -1); a.mov(edx, -1);
        a.xsave(__[rdi]);
        for (int i = 0; i < SwBytesLength; i += 8) { a.mov(rax, __qword_ptr[rbx + OffSwBytes + i]); a.mov(__[rdi + XSave.SwBytesAt + i], rax); }
        a.mov(eax, __dword_ptr[rbx + OffSwBytes + 16]);
        a.mov(__dword_ptr[rdi + rax], unchecked((int)XSave.Magic2));
        a.mov(__qword_ptr[rbx + TrampolineUc + UcSigmask], 0);
        // siginfo: SIGSYS, SYS_SECCOMP, the call's address, number and architecture.
        a.mov(__dword_ptr[rbx + TrampolineInfo], 31);
        a.mov(__dword_ptr[rbx + TrampolineInfo + 4], 0);
        a.mov(__dword_ptr[rbx + TrampolineInfo + 8], 1);
        a.mov(__[rbx + TrampolineInfo + 16], rcx);
        a.mov(eax, __dword_ptr[rbx + G(13)]); a.mov(__dword_ptr[rbx + TrampolineInfo + 24], eax);
        a.mov(__dword_ptr[rbx + TrampolineInfo + 28], unchecked((int)SeccompFilter.AuditArchX86_64));
        a.mov(__dword_ptr[rbx + OffSigno], 31);
        a.lea(rsi, __[rbx + TrampolineInfo]); a.mov(__[rbx + OffInfo], rsi);
        a.lea(r12, __[rbx + TrampolineUc]); a.mov(__[rbx + OffContext], r12);
        a.mov(__dword_ptr[rbx + OffViaTrampoline], 1);
        a.jmp(trapped);

        // Back out of a trampoline, with the frame at r12 as the Sentry left it. From here on a kick is reported
        // with this frame (the handler's rule), so the state word says Running first.
        var noUnblock = a.CreateLabel();
        a.Label(ref trampolineResume);
        a.mov(__dword_ptr[rbx + OffState], State.Running);
        a.mov(__dword_ptr[rbx + OffViaTrampoline], 0);
        a.cmp(__dword_ptr[rbx + OffUnblock], 0); a.je(noUnblock);
        // Reported from inside the handler (a kick on the way out): its signal mask, everything, is still on.
        a.mov(__dword_ptr[rbx + OffUnblock], 0);
        a.mov(__qword_ptr[rbx + OffZeroMask], 0);
        a.mov(edi, SIG_SETMASK); a.lea(rsi, __[rbx + OffZeroMask]); a.xor(edx, edx); a.mov(r10d, 8);
        a.mov(eax, SYS_rt_sigprocmask); Sys(SYS_rt_sigprocmask);
        a.Label(ref noUnblock);
        a.mov(rdi, __qword_ptr[r12 + UcFpState]);
        a.mov(eax, -1); a.mov(edx, -1);
        a.xrstor(__[rdi]);
        a.mov(rax, __qword_ptr[r12 + UcMcontext + 15 * 8]); a.mov(__[rbx + OffAppRsp], rax);
        a.mov(rax, __qword_ptr[r12 + UcMcontext + 16 * 8]); a.mov(__[rbx + OffRetAddr], rax);
        a.push(__qword_ptr[r12 + UcMcontext + 17 * 8]);
        for (int i = 0; i < gregs.Length; i++)
            if (i != 4) a.mov(gregs[i], __qword_ptr[r12 + UcMcontext + i * 8]);
        a.mov(r12, __qword_ptr[r12 + UcMcontext + 4 * 8]);
        a.popfq();
        a.mov(rsp, __qword_ptr.gs[OffAppRsp]);
        a.jmp(__qword_ptr.gs[OffRetAddr]);
        a.Label(ref trampolineEnd);
        a.int3(); // never reached: the label needs an instruction

        var ms = new MemoryStream();
        var res = a.Assemble(new StreamCodeWriter(ms), CodeBase + CodeOffset, BlockEncoderOptions.ReturnNewInstructionOffsets);
        var code = ms.ToArray();
        if (CodeOffset + code.Length > DataOffset) throw new InvalidOperationException("systrap stub code overflows its page");

        var siteList = new List<(ulong, int)>();
        foreach (var (label, nrs) in sites)
            foreach (var nr in nrs) siteList.Add((res.GetLabelRIP(label) + 2, nr));
        var filter = BuildFilter(siteList);
        ulong trampolineAddr = res.GetLabelRIP(trampoline);

        var elf = new byte[DataOffset + 56 + filter.Length * 8];
        if (elf.Length > (int)SysmsgLayout.CodeSize) throw new InvalidOperationException("systrap stub data overflows its page");
        var s = elf.AsSpan();
        WriteElfHeader(s, CodeBase + CodeOffset, (ulong)elf.Length);
        code.CopyTo(s[CodeOffset..]);
        var d = s[DataOffset..];
        // struct k_sigaction: handler, flags, restorer, mask (everything blocked while the handler runs, but the
        // faults a copy command may take).
        BinaryPrimitives.WriteUInt64LittleEndian(d, res.GetLabelRIP(handler));
        BinaryPrimitives.WriteUInt64LittleEndian(d[8..], SA_SIGINFO | SA_ONSTACK | SA_RESTORER);
        BinaryPrimitives.WriteUInt64LittleEndian(d[16..], res.GetLabelRIP(sigreturn));
        BinaryPrimitives.WriteUInt64LittleEndian(d[24..], ~((1UL << (SIGSEGV - 1)) | (1UL << (SIGBUS - 1))));
        // struct sock_fprog { unsigned short len; struct sock_filter *filter; }
        BinaryPrimitives.WriteUInt16LittleEndian(d[32..], (ushort)filter.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(d[40..], FilterAddr);
        for (int i = 0; i < HandledSignals.Length; i++) d[48 + i] = (byte)HandledSignals[i];
        for (int i = 0; i < filter.Length; i++)
        {
            var f = d[(56 + i * 8)..];
            BinaryPrimitives.WriteUInt16LittleEndian(f, filter[i].Code);
            f[2] = filter[i].Jt; f[3] = filter[i].Jf;
            BinaryPrimitives.WriteUInt32LittleEndian(f[4..], filter[i].K);
        }
        return new Image(elf, siteList, trampolineAddr);
    }

    // classic BPF
    const ushort LdAbsW = 0x20, JeqK = 0x15, Ja = 0x05, RetK = 0x06;
    const uint SeccompDataNr = 0, SeccompDataArch = 4, SeccompDataIpLo = 8, SeccompDataIpHi = 12, SeccompDataArg0 = 16;

    /// <summary>
    /// The stub's filter: another architecture kills the process; a syscall from anywhere but a stub site traps
    /// (SIGSYS to the handler: the guest's syscalls); at a site, only the numbers that site makes are allowed, and
    /// clone only with the flags the stub uses. (The Sentry's own filter, inherited, still applies on top.)
    /// </summary>
    static SockFilter[] BuildFilter(List<(ulong Ip, int Nr)> sites)
    {
        var p = new List<SockFilter>();
        var fixups = new List<(int At, string Target, bool True)>();
        var labels = new Dictionary<string, int>();
        void Emit(ushort code, uint k, string? jt = null, string? jf = null)
        {
            if (jt != null) fixups.Add((p.Count, jt, true));
            if (jf != null) fixups.Add((p.Count, jf, false));
            p.Add(new SockFilter(code, 0, 0, k));
        }
        void Label(string name) => labels[name] = p.Count;

        Emit(LdAbsW, SeccompDataArch);
        Emit(JeqK, SeccompFilter.AuditArchX86_64, jt: "arch-ok", jf: "kill");
        Label("arch-ok");
        Emit(LdAbsW, SeccompDataIpHi);
        Emit(JeqK, (uint)(CodeBase >> 32), jt: "page", jf: "trap");
        Label("page");
        Emit(LdAbsW, SeccompDataIpLo);
        var ips = sites.Select(x => x.Ip).Distinct().ToList();
        foreach (var ip in ips) Emit(JeqK, (uint)ip, jt: $"site{ip:x}", jf: null);
        Emit(RetK, SeccompAction.Trap);
        foreach (var ip in ips)
        {
            Label($"site{ip:x}");
            Emit(LdAbsW, SeccompDataNr);
            foreach (var (_, nr) in sites.Where(x => x.Ip == ip))
                Emit(JeqK, (uint)nr, jt: nr == SYS_clone ? "clone" : "allow", jf: null);
            Emit(RetK, SeccompAction.Trap);
        }
        Label("clone");
        Emit(LdAbsW, SeccompDataArg0 + 4);
        Emit(JeqK, 0, jt: "clone-lo", jf: "trap");
        Label("clone-lo");
        Emit(LdAbsW, SeccompDataArg0);
        Emit(JeqK, (uint)ForkFlags, jt: "allow", jf: null);
        Emit(JeqK, (uint)SharedMemoryFlags, jt: "allow", jf: null);
        Emit(JeqK, (uint)ThreadFlags, jt: "allow", jf: null);
        Label("trap");
        Emit(RetK, SeccompAction.Trap);
        Label("allow");
        Emit(RetK, SeccompAction.Allow);
        Label("kill");
        Emit(RetK, SeccompAction.KillProcess);

        var arr = p.ToArray();
        foreach (var (at, target, isTrue) in fixups)
        {
            int off = labels[target] - (at + 1);
            if (off < 0 || off > 255) throw new InvalidOperationException($"systrap filter jump to {target} out of range");
            if (isTrue) arr[at].Jt = (byte)off; else arr[at].Jf = (byte)off;
        }
        return arr;
    }

    static void WriteElfHeader(Span<byte> s, ulong entry, ulong length)
    {
        s[0] = 0x7f; s[1] = (byte)'E'; s[2] = (byte)'L'; s[3] = (byte)'F';
        s[4] = 2; s[5] = 1; s[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(s[16..], 2);      // ET_EXEC
        BinaryPrimitives.WriteUInt16LittleEndian(s[18..], 62);     // EM_X86_64
        BinaryPrimitives.WriteUInt32LittleEndian(s[20..], 1);
        BinaryPrimitives.WriteUInt64LittleEndian(s[24..], entry);
        BinaryPrimitives.WriteUInt64LittleEndian(s[32..], 64);     // e_phoff
        BinaryPrimitives.WriteUInt16LittleEndian(s[52..], 64);
        BinaryPrimitives.WriteUInt16LittleEndian(s[54..], 56);
        BinaryPrimitives.WriteUInt16LittleEndian(s[56..], 1);
        var ph = s[64..];
        BinaryPrimitives.WriteUInt32LittleEndian(ph, 1);           // PT_LOAD
        BinaryPrimitives.WriteUInt32LittleEndian(ph[4..], 5);      // r-x
        BinaryPrimitives.WriteUInt64LittleEndian(ph[16..], CodeBase);
        BinaryPrimitives.WriteUInt64LittleEndian(ph[24..], CodeBase);
        BinaryPrimitives.WriteUInt64LittleEndian(ph[32..], length);
        BinaryPrimitives.WriteUInt64LittleEndian(ph[40..], length);
        BinaryPrimitives.WriteUInt64LittleEndian(ph[48..], 0x1000);
    }
}
