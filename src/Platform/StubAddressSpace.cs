namespace AppKernel.Platform;

/// <summary>
/// The address-space changes (and memory barriers) both platforms carry out the same way: as one real syscall made by the stub (injected
/// under ptrace, posted to the trapped handler on systrap). Each platform supplies how the stub makes it, and its
/// own MapFile (how a Sentry fd reaches the stub).
/// </summary>
public abstract class StubAddressSpace
{
    const int SYS_mmap = 9, SYS_mprotect = 10, SYS_munmap = 11, SYS_mremap = 25, SYS_madvise = 28, SYS_membarrier = 324;
    const int MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20, MREMAP_MAYMOVE = 1, MREMAP_FIXED = 2;

    /// <summary>Has the stub make syscall nr; its raw result (negative errno on failure).</summary>
    protected abstract long StubSyscall(long nr, ulong a0 = 0, ulong a1 = 0, ulong a2 = 0, ulong a3 = 0, ulong a4 = 0, ulong a5 = 0);

    public long MapAnonymous(ulong addr, ulong len, int prot, int flags)
        => StubSyscall(SYS_mmap, addr, len, (ulong)prot, (ulong)(flags | MAP_ANONYMOUS | MAP_FIXED), ulong.MaxValue, 0);
    public long Unmap(ulong addr, ulong len) => StubSyscall(SYS_munmap, addr, len);
    public long Protect(ulong addr, ulong len, int prot) => StubSyscall(SYS_mprotect, addr, len, (ulong)prot);
    public long Remap(ulong oldAddr, ulong oldLen, ulong newLen, ulong newAddr)
        => newAddr == oldAddr
            ? StubSyscall(SYS_mremap, oldAddr, oldLen, newLen, 0)
            : StubSyscall(SYS_mremap, oldAddr, oldLen, newLen, MREMAP_MAYMOVE | MREMAP_FIXED, newAddr);
    public long Advise(ulong addr, ulong len, int advice) => StubSyscall(SYS_madvise, addr, len, (ulong)advice);
    public long Membarrier(int cmd) => StubSyscall(SYS_membarrier, (ulong)cmd);
}
