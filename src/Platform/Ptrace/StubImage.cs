using System.Buffers.Binary;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace AppKernel.Platform.Ptrace;

/// <summary>
/// The stub program: a tiny static ELF that every guest address space starts from.
/// It closes the fd it was executed from, asks to die with its parent thread, and spins
/// until the Sentry seizes it. The Sentry injects syscalls by pointing rip at
/// <see cref="InjectAddress"/> (`syscall; int3`).
/// </summary>
public static class StubImage
{
    /// <summary>Where the stub's only page lives in every guest address space; the guest may not map it.</summary>
    public const ulong Base = 0x7ff0_0000_0000;
    public const ulong Size = 0x1000;
    /// <summary>The stub page and the vDSO's window after it (<see cref="HostVdso"/>): kept from the guest.</summary>
    public const ulong ReservedSize = 0x10000;
    const int CodeOffset = 0x80; // after the ELF header (64) and one program header (56)

    public static ulong InjectAddress => StubImagesPrebuilt.PtraceStub.InjectAddress;
    /// <summary>`syscall` for an injected fork: the parent traps (int3) with the child's pid in rax; the child
    /// (rax 0) spins, untraced, until its own tracer seizes it. <see cref="ForkTrapAddress"/> is where the parent stops.</summary>
    public static ulong ForkAddress => StubImagesPrebuilt.PtraceStub.ForkAddress;
    public static ulong ForkTrapAddress => StubImagesPrebuilt.PtraceStub.ForkTrapAddress;
    /// <summary>Maps one of the Sentry's fds in a single round trip: pidfd_getfd(rdi = the stub's pidfd of the Sentry,
    /// rsi = the Sentry's fd), mmap(r12 addr, r13 len, r14 prot, r15 flags, that fd, rbx offset), close; the result
    /// (the mmap's, or pidfd_getfd's error) is in rax when it traps at <see cref="MapFdTrapAddress"/>.</summary>
    public static ulong MapFdAddress => StubImagesPrebuilt.PtraceStub.MapFdAddress;
    public static ulong MapFdTrapAddress => StubImagesPrebuilt.PtraceStub.MapFdTrapAddress;
    /// <summary>The image, as <see cref="Assemble"/> makes it (kept prebuilt: see <see cref="StubImagesPrebuilt"/>).</summary>
    public static byte[] Elf => StubImagesPrebuilt.PtraceStub.Elf;

    /// <summary>The assembled image and its entry points.</summary>
    public sealed record Image(byte[] Elf, ulong InjectAddress, ulong ForkAddress, ulong ForkTrapAddress,
        ulong MapFdAddress, ulong MapFdTrapAddress);

    /// <summary>Assembles the image: the source of <see cref="StubImagesPrebuilt"/>, which a test keeps equal to it.</summary>
    public static Image Assemble()
    {
        var a = new Assembler(64);
        var spin = a.CreateLabel();
        var inject = a.CreateLabel();
        var fork = a.CreateLabel();
        var forkTrap = a.CreateLabel();
        // close(3): posix_spawn dup'ed the image memfd there.
        a.mov(eax, 3); a.mov(edi, 3); a.syscall();
        // prctl(PR_SET_PDEATHSIG, SIGKILL)
        a.mov(eax, 157); a.mov(edi, 1); a.mov(esi, 9); a.syscall();
        a.Label(ref spin);
        a.pause();
        a.jmp(spin);
        a.Label(ref inject);
        a.syscall();
        a.int3();
        var child = a.CreateLabel();
        a.Label(ref fork);
        a.syscall();
        a.test(rax, rax);
        a.jz(child);
        a.Label(ref forkTrap);
        a.int3();
        // A fork does not inherit the parent-death signal, and until its task thread seizes it no tracer's
        // EXITKILL covers it: set it again, then make sure runsc (its parent, whose pid the injector left in r9)
        // did not die before that, or the child would wait in pause(2) for ever.
        var childWait = a.CreateLabel();
        a.Label(ref child);
        a.mov(r12, r9);
        a.mov(eax, 157); a.mov(edi, 1); a.mov(esi, 9); a.syscall(); // prctl(PR_SET_PDEATHSIG, SIGKILL)
        a.mov(eax, 110); a.syscall();                               // getppid
        a.cmp(rax, r12);
        a.je(childWait);
        a.mov(eax, 231); a.xor(edi, edi); a.syscall();              // exit_group(0): runsc is gone
        // The child sleeps in pause(2) rather than spinning: on two cores a spinning thread delays the very
        // Sentry thread that is about to seize it. PTRACE_INTERRUPT stops it there; Switch then replaces every register.
        a.Label(ref childWait);
        a.mov(eax, 34);
        a.syscall();
        a.jmp(childWait);
        var mapFd = a.CreateLabel();
        var mapDone = a.CreateLabel();
        a.Label(ref mapFd);
        a.mov(eax, 438); a.xor(edx, edx); a.syscall();
        a.test(rax, rax);
        a.js(mapDone);
        a.mov(rbp, rax);
        a.mov(rdi, r12); a.mov(rsi, r13); a.mov(rdx, r14); a.mov(r10, r15); a.mov(r8, rbp); a.mov(r9, rbx);
        a.mov(eax, 9); a.syscall();
        a.mov(r12, rax);
        a.mov(rdi, rbp); a.mov(eax, 3); a.syscall();
        a.mov(rax, r12);
        a.Label(ref mapDone);
        a.int3();
        var ms = new MemoryStream();
        var res = a.Assemble(new StreamCodeWriter(ms), Base + CodeOffset, BlockEncoderOptions.ReturnNewInstructionOffsets);
        ulong injectAddress = res.GetLabelRIP(inject);
        ulong forkAddress = res.GetLabelRIP(fork);
        ulong forkTrapAddress = res.GetLabelRIP(forkTrap);
        ulong mapFdAddress = res.GetLabelRIP(mapFd);
        ulong mapFdTrapAddress = res.GetLabelRIP(mapDone) + 1;
        var code = ms.ToArray();

        var elf = new byte[CodeOffset + code.Length];
        var s = elf.AsSpan();
        // ELF header
        s[0] = 0x7f; s[1] = (byte)'E'; s[2] = (byte)'L'; s[3] = (byte)'F';
        s[4] = 2; s[5] = 1; s[6] = 1; // 64-bit, little endian, version
        BinaryPrimitives.WriteUInt16LittleEndian(s[16..], 2);      // ET_EXEC
        BinaryPrimitives.WriteUInt16LittleEndian(s[18..], 62);     // EM_X86_64
        BinaryPrimitives.WriteUInt32LittleEndian(s[20..], 1);
        BinaryPrimitives.WriteUInt64LittleEndian(s[24..], Base + CodeOffset); // e_entry
        BinaryPrimitives.WriteUInt64LittleEndian(s[32..], 64);     // e_phoff
        BinaryPrimitives.WriteUInt16LittleEndian(s[52..], 64);     // e_ehsize
        BinaryPrimitives.WriteUInt16LittleEndian(s[54..], 56);     // e_phentsize
        BinaryPrimitives.WriteUInt16LittleEndian(s[56..], 1);      // e_phnum
        // PT_LOAD r-x covering the file
        var ph = s[64..];
        BinaryPrimitives.WriteUInt32LittleEndian(ph, 1);
        BinaryPrimitives.WriteUInt32LittleEndian(ph[4..], 5);
        BinaryPrimitives.WriteUInt64LittleEndian(ph[8..], 0);
        BinaryPrimitives.WriteUInt64LittleEndian(ph[16..], Base);
        BinaryPrimitives.WriteUInt64LittleEndian(ph[24..], Base);
        BinaryPrimitives.WriteUInt64LittleEndian(ph[32..], (ulong)elf.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(ph[40..], (ulong)elf.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(ph[48..], 0x1000);
        code.CopyTo(s[CodeOffset..]);
        return new Image(elf, injectAddress, forkAddress, forkTrapAddress, mapFdAddress, mapFdTrapAddress);
    }
}
