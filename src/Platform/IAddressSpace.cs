namespace AppKernel.Platform;

/// <summary>
/// A guest address space as the Platform offers it: the Sentry decides every mapping,
/// the Platform carries it out in the stub. Results are raw syscall results (negative errno).
/// </summary>
public interface IAddressSpace
{
    GuestMemory Memory { get; }
    /// <summary>Maps anonymous memory at exactly addr (MAP_FIXED). flags: MAP_SHARED/MAP_PRIVATE, MAP_NORESERVE.</summary>
    long MapAnonymous(ulong addr, ulong len, int prot, int flags);
    /// <summary>Maps the pages of the Sentry's host fd at exactly addr (MAP_FIXED); the stub keeps no fd afterwards.</summary>
    long MapFile(ulong addr, ulong len, int prot, int flags, int hostFd, ulong offset);
    long Unmap(ulong addr, ulong len);
    long Protect(ulong addr, ulong len, int prot);
    /// <summary>Moves or resizes [oldAddr, oldAddr+oldLen) to exactly newAddr with newLen.</summary>
    long Remap(ulong oldAddr, ulong oldLen, ulong newLen, ulong newAddr);
    long Advise(ulong addr, ulong len, int advice);
    /// <summary>The host's membarrier(cmd) made by the stub: the guest's threads are the stub process's host
    /// threads, so the host's barrier over them is the guest's. The Sentry has checked cmd and the registrations.</summary>
    long Membarrier(int cmd);
}
