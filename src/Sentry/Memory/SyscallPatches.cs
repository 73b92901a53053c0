using AppKernel.Platform;
using AppKernel.Platform.Systrap;

namespace AppKernel.Sentry.Memory;

/// <summary>
/// Syscall-site patching (gVisor's usertrap): on a platform with a trampoline, a guest site
/// `mov $nr, %eax; syscall` (7 bytes, as glibc's wrappers mostly are) that trapped once becomes
/// `jmp *entry`, a jump through an entry of a table the Sentry keeps at <see cref="SystrapImage.TrampolineTableBase"/>.
/// The entry loads eax and the return address and goes to the stub's trampoline, which hands the call over without a
/// signal. The table is no VMA: the guest does not see it, and a guest mapping that reaches it takes it away (every
/// site is put back first). A traced process, or one whose guest set its own GS base, is not patched, and patching
/// stops (every site put back) when either happens later.
///
/// A site is written in three steps so that a thread running it meanwhile always meets valid code or 0x06 (an
/// invalid opcode) where the syscall instruction was; <see cref="Emulate"/> sets such a thread right. glibc's read
/// sites (`xor %eax,%eax`, no number to load) are patched too, with the cmp that follows them (<see cref="XorSite"/>).
/// Caller holds the memory manager's lock for every method.
/// </summary>
public sealed class SyscallPatches
{
    const ulong TableBase = SystrapImage.TrampolineTableBase, TableSize = SystrapImage.TrampolineTableSize;
    /// <summary>An entry: the 8-byte address of its code, then `mov $nr, %eax; movabs $ret, %rcx; jmp *trampoline`.</summary>
    const int EntrySize = 48;
    const byte MovEax = 0xb8, Invalid = 0x06;
    const int SiteLength = 7, SYS_restart_syscall = 219;
    const int MaxRefused = 4096;
    /// <summary>A read site as glibc writes it, `xor %eax,%eax; syscall; cmp $-4096,%rax` (10 bytes): it becomes
    /// `jmp *slot` with the SIB byte e5 (no index), so that the byte where the syscall was (+2) decodes as `in`
    /// (a #GP before it changes anything), and the slot's address has 0x06 as its second byte, the invalid opcode
    /// where the cmp was (+4). The entry makes the call and then the cmp, and jumps back past it.</summary>
    static ReadOnlySpan<byte> XorSite => [0x31, 0xc0, 0x0f, 0x05, 0x48, 0x3d, 0x00, 0xf0, 0xff, 0xff];
    const int XorSiteLength = 10, XorRet = 4, XorEpilogue = 25;
    /// <summary>The xor sites' pointer slots: addresses 0x606xx, whose second byte is the invalid opcode.</summary>
    const ulong XorSlotsBase = TableBase + 0x600;
    const int XorSlots = 32;
    const int SIGILL = 4, SIGSEGV = 11;

    readonly MemoryManager _mm;
    /// <summary>Patched sites (the mov's address) and their numbers.</summary>
    readonly Dictionary<ulong, int> _sites;
    /// <summary>Each table entry's site (ulong.MaxValue: an index kept free for the xor sites' slots).</summary>
    readonly List<ulong> _entries;
    /// <summary>Patched xor sites (their first byte's address) and their entry and slot.</summary>
    readonly Dictionary<ulong, (int Entry, int Slot)> _xorSites;
    /// <summary>Slots handed out so far (never reused: a forgotten site's code may still be in a thread's way).</summary>
    int _xorSlotsUsed;
    /// <summary>Return addresses of trapped syscalls whose site cannot be patched: not looked at again.</summary>
    readonly HashSet<ulong> _refused = new();
    bool _tableMapped;
    /// <summary>Set for good once patching stopped (a tracer, the guest's own GS base, its mapping over the table).</summary>
    bool _stopped;

    public SyscallPatches(MemoryManager mm)
    {
        _mm = mm;
        _sites = new();
        _entries = new();
        _xorSites = new();
    }

    SyscallPatches(MemoryManager mm, SyscallPatches from)
    {
        _mm = mm;
        _sites = new(from._sites);
        _entries = new(from._entries);
        _xorSites = new(from._xorSites);
        _xorSlotsUsed = from._xorSlotsUsed;
        _tableMapped = from._tableMapped;
        _stopped = from._stopped;
    }

    /// <summary>The child's copy at fork: the host copied the table and the patched code with the memory.</summary>
    public SyscallPatches ForkFor(MemoryManager child) => new(child, this);

    public int Count => _sites.Count + _xorSites.Count;

    /// <summary>A syscall nr trapped with its return address ret: patches its site if it is one.</summary>
    public void TryPatch(ulong ret, long nr, ulong trampoline)
    {
        if (_stopped || trampoline == 0 || nr < 0 || nr > int.MaxValue || ret < TableBase + TableSize) return;
        if (_refused.Contains(ret) || _sites.ContainsKey(ret - SiteLength) || _xorSites.ContainsKey(ret - XorRet)) return;
        if (nr == 0 && XorPatchable(ret - XorRet))
        {
            if (!PatchXor(ret - XorRet, trampoline) && _refused.Count < MaxRefused) _refused.Add(ret);
            return;
        }
        ulong at = ret - SiteLength;
        if (!Patchable(at, (int)nr))
        {
            if (_refused.Count < MaxRefused) _refused.Add(ret);
            return;
        }
        if (!FreeEntry(out int index)) return;
        ulong entry = EntryAddress(index);
        Span<byte> e = stackalloc byte[EntrySize];
        e.Fill(0xcc);
        BitConverter.TryWriteBytes(e, entry + 8);
        e[8] = MovEax; BitConverter.TryWriteBytes(e[9..], (int)nr);
        e[13] = 0x48; e[14] = 0xb9; BitConverter.TryWriteBytes(e[15..], ret);         // movabs $ret, %rcx
        e[23] = 0xff; e[24] = 0x25; BitConverter.TryWriteBytes(e[25..], 0);             // jmp *0(%rip)
        BitConverter.TryWriteBytes(e[29..], trampoline);
        if (!Write(entry, e)) return;
        _entries[index] = at;
        Span<byte> jmp = stackalloc byte[SiteLength];
        Jump(entry, jmp);
        if (!Write(at + 5, jmp.Slice(5, 1))) return;
        _sites[at] = (int)nr;
        Write(at + 1, jmp[1..]);
        Write(at, jmp[..1]);
    }

    /// <summary>Whether at holds `mov $nr, %eax; syscall` in a private executable mapping of the guest's.</summary>
    bool Patchable(ulong at, int nr)
    {
        var v = _mm.Vmas.Find(at);
        if (v == null || at < v.Start || at + SiteLength > v.End || v.Shared || (v.Prot & Prot.Exec) == 0) return false;
        Span<byte> code = stackalloc byte[SiteLength];
        if (!_mm.Memory.Read(at, code)) return false;
        return code[0] == MovEax && BitConverter.ToInt32(code[1..]) == nr && code[5] == 0x0f && code[6] == 0x05;
    }

    /// <summary>Maps the table if it is not yet, and takes the next entry index (skipping those over the xor
    /// sites' slots): false once the table is full or cannot be mapped.</summary>
    bool FreeEntry(out int index)
    {
        index = -1;
        if (!_tableMapped)
        {
            if (_mm.Vmas.Overlaps(TableBase, TableBase + TableSize)) { _stopped = true; return false; }
            if (_mm.Space.MapAnonymous(TableBase, TableSize, MemoryManager.PROT_READ | MemoryManager.PROT_EXEC,
                    MemoryManager.MAP_PRIVATE | MemoryManager.MAP_FIXED) < 0) { _stopped = true; return false; }
            _tableMapped = true;
        }
        while (true)
        {
            ulong start = EntryAddress(_entries.Count);
            if (start + EntrySize > TableBase + TableSize) return false;
            if (start < XorSlotsBase + XorSlots * 8 && start + EntrySize > XorSlotsBase) { _entries.Add(ulong.MaxValue); continue; }
            index = _entries.Count;
            _entries.Add(ulong.MaxValue);
            return true;
        }
    }

    /// <summary>Whether at holds glibc's read site (<see cref="XorSite"/>) in a private executable mapping.</summary>
    bool XorPatchable(ulong at)
    {
        var v = _mm.Vmas.Find(at);
        if (v == null || at < v.Start || at + XorSiteLength > v.End || v.Shared || (v.Prot & Prot.Exec) == 0) return false;
        Span<byte> code = stackalloc byte[XorSiteLength];
        return _mm.Memory.Read(at, code) && code.SequenceEqual(XorSite);
    }

    /// <summary>The entry (`xor %eax,%eax; lea epilogue,%rcx; jmp *trampoline; syscall; epilogue: cmp $-4096,%rax;
    /// jmp *site+10`: a restart at the epilogue's syscall is an ordinary trap), its slot, then the site in an order
    /// that leaves valid code, or a fault <see cref="Emulate"/> sets right, wherever a thread stands in it. False
    /// when no slot or entry is left.</summary>
    bool PatchXor(ulong at, ulong trampoline)
    {
        if (_xorSlotsUsed >= XorSlots || !FreeEntry(out int index)) return false;
        ulong entry = EntryAddress(index), slot = XorSlotsBase + (ulong)_xorSlotsUsed * 8;
        Span<byte> e = stackalloc byte[EntrySize];
        e.Fill(0xcc);
        e[0] = 0x31; e[1] = 0xc0;                                                         // xor %eax,%eax
        e[2] = 0x48; e[3] = 0x8d; e[4] = 0x0d; BitConverter.TryWriteBytes(e[5..], XorEpilogue - 9); // lea epilogue(%rip),%rcx
        e[9] = 0xff; e[10] = 0x25; BitConverter.TryWriteBytes(e[11..], 0);               // jmp *0(%rip)
        BitConverter.TryWriteBytes(e[15..], trampoline);
        e[23] = 0x0f; e[24] = 0x05;                                                       // syscall (a restart)
        XorSite[4..].CopyTo(e[XorEpilogue..]);                                            // cmp $-4096,%rax
        e[31] = 0xff; e[32] = 0x25; BitConverter.TryWriteBytes(e[33..], 0);               // jmp *0(%rip)
        BitConverter.TryWriteBytes(e[37..], at + XorSiteLength);
        if (!Write(entry, e) || !Write(slot, BitConverter.GetBytes(entry))) return false;
        _entries[index] = at;
        _xorSites[at] = (index, _xorSlotsUsed++);
        Span<byte> a = stackalloc byte[4];
        BitConverter.TryWriteBytes(a, (uint)slot);
        Write(at + 4, a.Slice(1, 1));  // 0x06 where the cmp starts
        Write(at + 5, a[2..]);
        Write(at + 2, [0xe5]);         // `in` where the syscall was
        Write(at + 3, a[..1]);
        Write(at + 1, [0x24]);
        Write(at, [0xff]);
        return true;
    }

    bool Write(ulong addr, ReadOnlySpan<byte> bytes)
    {
        var buf = bytes.ToArray();
        return _mm.Memory.AccessForced(addr, buf, write: true) == buf.Length;
    }

    public enum Outcome { None, Syscall, Restart }

    /// <summary>
    /// A fault (sig) at a patched site or in the table: a thread that met a site while it was being written (or
    /// put back), a jump straight to the old syscall instruction, a syscall restarted there, or a table the guest
    /// mapped over. Syscall: regs now describe the site's syscall as if trapped; Restart: run the site again.
    /// </summary>
    public Outcome Emulate(int sig, ref Registers regs)
    {
        if (_sites.Count == 0 && _xorSites.Count == 0) return Outcome.None;
        ulong rip = regs.Rip;
        // An xor site: a thread at its start while it was written, at the old syscall (its `in` faults first, with
        // the number the thread has), or back from the syscall at the old cmp (its 0x06), which the epilogue does.
        if (sig == SIGSEGV && _xorSites.TryGetValue(rip, out var x)) return SyscallReturningTo(ref regs, 0, EntryAddress(x.Entry) + XorEpilogue);
        if (sig == SIGSEGV && _xorSites.TryGetValue(rip - 2, out x)) return SyscallReturningTo(ref regs, regs.Rax, EntryAddress(x.Entry) + XorEpilogue);
        if (sig == SIGILL && _xorSites.TryGetValue(rip - XorRet, out x))
        {
            regs.Rip = EntryAddress(x.Entry) + XorEpilogue;
            return Outcome.Restart;
        }
        if (sig == SIGILL && _sites.TryGetValue(rip - 5, out int nr))
        {
            // At the old syscall instruction. A thread whose mov read a half-written immediate starts over; any
            // other (a restart, a jump to the syscall itself) makes the call with the number it has.
            ulong at = rip - 5;
            ulong rax = regs.Rax;
            if (rax != (ulong)nr && rax != SYS_restart_syscall && HalfWritten(at, nr, rax))
            {
                regs.Rip = at;
                return Outcome.Restart;
            }
            return AsSyscall(ref regs, rax, at);
        }
        if ((sig == SIGILL || sig == SIGSEGV) && _sites.TryGetValue(rip, out nr))
            return AsSyscall(ref regs, (ulong)nr, rip);
        if (sig == SIGSEGV && rip >= TableBase && rip < TableBase + TableSize)
        {
            int i = (int)((rip - TableBase) / EntrySize);
            if (i < _entries.Count && _sites.TryGetValue(_entries[i], out nr)) return AsSyscall(ref regs, (ulong)nr, _entries[i]);
        }
        return Outcome.None;
    }

    static ulong EntryAddress(int i) => TableBase + (ulong)i * EntrySize;

    /// <summary>What a site becomes, `jmp *entry`: ff 24 25 and the entry's address, whose third byte is the invalid
    /// opcode where the syscall instruction was.</summary>
    static void Jump(ulong entry, Span<byte> into)
    {
        into[0] = 0xff; into[1] = 0x24; into[2] = 0x25;
        BitConverter.TryWriteBytes(into[3..], (uint)entry);
    }

    static Outcome AsSyscall(ref Registers regs, ulong nr, ulong at) => SyscallReturningTo(ref regs, nr, at + SiteLength);

    static Outcome SyscallReturningTo(ref Registers regs, ulong nr, ulong ret)
    {
        regs.Rip = ret;
        regs.OrigRax = nr;
        regs.Rax = unchecked((ulong)-(long)Errno.ENOSYS);
        return Outcome.Syscall;
    }

    /// <summary>Whether rax is what a mov could have read while its immediate was being overwritten: each byte the
    /// old immediate's or the jump's.</summary>
    bool HalfWritten(ulong at, int nr, ulong rax)
    {
        if (rax > uint.MaxValue) return false;
        int entry = _entries.IndexOf(at);
        if (entry < 0) return false;
        Span<byte> jmp = stackalloc byte[SiteLength];
        Jump(EntryAddress(entry), jmp);
        for (int i = 0; i < 4; i++)
        {
            byte b = (byte)(rax >> (8 * i));
            if (b != (byte)(nr >> (8 * i)) && b != jmp[1 + i]) return false;
        }
        return true;
    }

    /// <summary>Puts every site back and stops patching for good (a tracer attached, the guest set its GS base).</summary>
    public void Stop()
    {
        if (_stopped) return;
        _stopped = true;
        foreach (var (at, nr) in _sites) Restore(at, nr);
        foreach (var at in _xorSites.Keys) RestoreXor(at);
    }

    // PatchXor's steps backwards.
    void RestoreXor(ulong at)
    {
        Write(at, [0x31]);
        Write(at + 1, [0xc0]);
        Write(at + 3, [0x05]);
        Write(at + 2, [0x0f]);
        Write(at + 5, XorSite[5..7]);
        Write(at + 4, XorSite[4..5]);
    }

    // The reverse of the patch, each step leaving valid code or the invalid opcode where a thread may be.
    void Restore(ulong at, int nr)
    {
        Span<byte> imm = stackalloc byte[4];
        BitConverter.TryWriteBytes(imm, nr);
        Write(at, [Invalid]);
        Write(at + 6, [0x05]);
        Write(at + 5, [0x0f]);
        Write(at + 1, imm);
        Write(at, [MovEax]);
    }

    /// <summary>The guest is about to map, unmap or move [start, end): sites there are forgotten (their code goes,
    /// or, when moved, is put back first: an entry returns to where the site was), and a table there is taken away
    /// after every site is put back.</summary>
    public void Yield(ulong start, ulong end, bool moving = false)
    {
        if (_tableMapped && start < TableBase + TableSize && end > TableBase)
        {
            Stop();
            _mm.Space.Unmap(TableBase, TableSize);
            _tableMapped = false;
            _sites.Clear();
            _xorSites.Clear();
            _entries.Clear();
            return;
        }
        if (_refused.Count > 0) _refused.RemoveWhere(r => r - SiteLength < end && r > start);
        List<ulong>? goneXor = null;
        foreach (var at in _xorSites.Keys)
            if (at < end && at + XorSiteLength > start) (goneXor ??= new()).Add(at);
        foreach (var at in goneXor ?? [])
        {
            if (moving) RestoreXor(at);
            _xorSites.Remove(at);
        }
        if (_sites.Count == 0) return;
        List<ulong>? gone = null;
        foreach (var at in _sites.Keys)
            if (at < end && at + SiteLength > start) (gone ??= new()).Add(at);
        if (gone == null) return;
        foreach (var at in gone)
        {
            if (moving) Restore(at, _sites[at]);
            _sites.Remove(at);
        }
    }
}
