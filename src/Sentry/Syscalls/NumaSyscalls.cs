using System.Runtime.InteropServices;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Memory;
using static AppKernel.Sentry.Memory.MemPolicy;
using static AppKernel.Sentry.Syscalls.SyscallTable;

namespace AppKernel.Sentry.Syscalls;

/// <summary>
/// NUMA policy calls on a one-node machine: set_mempolicy, mbind and get_mempolicy keep and report policies with
/// Linux's checks (node masks, modes, flags, ranges); migrate_pages, move_pages and set_mempolicy_home_node check
/// their arguments and permissions as Linux and have nothing to move.
/// </summary>
static class NumaSyscalls
{
    const int MPOL_F_NODE = 1, MPOL_F_ADDR = 2, MPOL_F_MEMS_ALLOWED = 4;
    const int MPOL_MF_STRICT = 1, MPOL_MF_MOVE = 2, MPOL_MF_MOVE_ALL = 4;
    const ulong PageSize = MemoryManager.PageSize, PageBits = PageSize * 8;
    const int NodeWords = MaxNumNodes / 64;

    public static void Register(SyscallHandler?[] t)
    {
        t[Nr.get_mempolicy] = (k, mode, nmask, maxnode, addr, flags, _) => GetMempolicy(k, mode, nmask, maxnode, addr, flags);
        t[Nr.set_mempolicy] = (k, mode, nmask, maxnode, _, _, _) => SetMempolicy(k, (int)mode, nmask, maxnode);
        t[Nr.mbind] = (k, start, len, mode, nmask, maxnode, flags) => Mbind(k, start, len, (int)mode, nmask, maxnode, flags);
        t[Nr.migrate_pages] = (k, pid, maxnode, from, to, _, _) => MigratePages(k, (int)pid, maxnode, from, to);
        t[Nr.move_pages] = (k, pid, count, pages, nodes, status, flags) => MovePages(k, (int)pid, count, pages, nodes, status, flags);
        t[Nr.set_mempolicy_home_node] = (k, start, len, home, flags, _, _) => SetHomeNode(k, start, len, home, flags);
    }

    /// <summary>
    /// Reads a user node mask of maxnode-1 bits (Linux's get_nodes, whose off-by-one programs rely on). Bits past
    /// the 1024 nodes the kernel knows must be clear (EINVAL); more than a page of bits is EINVAL.
    /// </summary>
    static Errno ReadNodes(Task t, ulong addr, ulong maxnode, out ulong[] nodes)
    {
        nodes = new ulong[NodeWords];
        ulong bits = maxnode - 1;
        if (bits == 0 || addr == 0) return Errno.None;
        if (bits > PageBits) return Errno.EINVAL;
        var words = new ulong[(bits + 63) / 64];
        if (!t.Mem.Read(addr, MemoryMarshal.AsBytes(words.AsSpan()))) return Errno.EFAULT;
        if (bits % 64 != 0) words[^1] &= (1UL << (int)(bits % 64)) - 1;
        for (int i = NodeWords; i < words.Length; i++)
            if (words[i] != 0) return Errno.EINVAL;
        Array.Copy(words, nodes, Math.Min(words.Length, NodeWords));
        return Errno.None;
    }

    /// <summary>Linux's copy_nodes_to_user: the one word of a one-node kernel, then zeros up to maxnode-1 bits.</summary>
    static Errno WriteNodes(Task t, ulong addr, ulong maxnode, ulong[] nodes)
    {
        ulong bytes = (maxnode - 1 + 63) / 64 * 8;
        if (bytes > 8)
        {
            if (bytes > PageSize) return Errno.EINVAL;
            if (!t.Mem.Write(addr + 8, new byte[bytes - 8])) return Errno.EFAULT;
            bytes = 8;
        }
        return bytes == 0 || t.Mem.Write(addr, nodes.Length > 0 ? nodes[0] : 0UL) ? Errno.None : Errno.EFAULT;
    }

    static long GetMempolicy(Task t, ulong modeAddr, ulong nmask, ulong maxnode, ulong addr, ulong flags)
    {
        if (nmask != 0 && maxnode < 1) return Err(Errno.EINVAL);
        if ((flags & ~(ulong)(MPOL_F_NODE | MPOL_F_ADDR | MPOL_F_MEMS_ALLOWED)) != 0) return Err(Errno.EINVAL);
        int mode;
        ulong[] nodes;
        if ((flags & MPOL_F_MEMS_ALLOWED) != 0)
        {
            if ((flags & (MPOL_F_NODE | MPOL_F_ADDR)) != 0) return Err(Errno.EINVAL);
            mode = 0;
            nodes = new[] { OnlineNodes };
        }
        else
        {
            MemPolicy? pol;
            if ((flags & MPOL_F_ADDR) != 0)
            {
                lock (t.MM)
                {
                    var v = t.MM.Vmas.Find(addr);
                    if (v == null) return Err(Errno.EFAULT);
                    pol = v.Policy;
                    // MPOL_F_NODE with an address: the node the page lives on, once it is faulted in.
                    if ((flags & MPOL_F_NODE) != 0 && (v.Prot & Prot.Read) == 0) return Err(Errno.EFAULT);
                }
            }
            else if (addr != 0) return Err(Errno.EINVAL);
            else pol = t.MemPolicy;
            if ((flags & MPOL_F_NODE) != 0)
            {
                // The node of the page, or the next interleave node of the task's own policy: node 0 either way.
                if ((flags & MPOL_F_ADDR) == 0 && pol?.Mode != MPOL_INTERLEAVE) return Err(Errno.EINVAL);
                mode = 0;
            }
            else mode = pol == null ? MPOL_DEFAULT : pol.Mode | (pol.Flags & MPOL_MODE_FLAGS);
            nodes = pol?.ReportedNodes() ?? new ulong[1];
        }
        if (modeAddr != 0 && !t.Mem.Write(modeAddr, mode)) return Err(Errno.EFAULT);
        return nmask == 0 ? 0 : Err(WriteNodes(t, nmask, maxnode, nodes));
    }

    static Errno ParsePolicy(Task t, int arg, ulong nmask, ulong maxnode, out int mode, out int mflags, out ulong[] nodes)
    {
        nodes = Array.Empty<ulong>();
        var e = MemPolicy.Sanitize(arg, out mode, out mflags);
        return e != Errno.None ? e : ReadNodes(t, nmask, maxnode, out nodes);
    }

    static long SetMempolicy(Task t, int arg, ulong nmask, ulong maxnode)
    {
        var e = ParsePolicy(t, arg, nmask, maxnode, out int mode, out int mflags, out var nodes);
        if (e != Errno.None) return Err(e);
        e = MemPolicy.Create(mode, mflags, nodes, out var policy);
        if (e != Errno.None) return Err(e);
        t.MemPolicy = policy;
        return 0;
    }

    static long Mbind(Task t, ulong start, ulong len, int arg, ulong nmask, ulong maxnode, ulong flags)
    {
        var e = ParsePolicy(t, arg, nmask, maxnode, out int mode, out int mflags, out var nodes);
        if (e != Errno.None) return Err(e);
        if ((flags & ~(ulong)(MPOL_MF_STRICT | MPOL_MF_MOVE | MPOL_MF_MOVE_ALL)) != 0) return Err(Errno.EINVAL);
        if ((flags & MPOL_MF_MOVE_ALL) != 0 && !t.Creds.Has(Credentials.CAP_SYS_NICE)) return Err(Errno.EPERM);
        if ((start & (PageSize - 1)) != 0) return Err(Errno.EINVAL);
        ulong end = start + MemoryManager.PageUp(len);
        if (end < start || len > ulong.MaxValue - PageSize) return Err(Errno.EINVAL);
        if (end == start) return 0;
        e = MemPolicy.Create(mode, mflags, nodes, out var policy);
        if (e != Errno.None) return Err(e);
        lock (t.MM)
        {
            if (!t.MM.Vmas.FullyMapped(start, end)) return Err(Errno.EFAULT);
            t.MM.Vmas.Update(start, end, v => v.Policy = policy);
        }
        return 0;
    }

    static bool Online(long node) => node is >= 0 and < 64 && (OnlineNodes & (1UL << (int)node)) != 0;

    /// <summary>The task a pid names for migrate_pages/move_pages (0: the caller), with Linux's read-access check.</summary>
    static Errno Target(Task t, int pid, out Task target)
    {
        target = pid == 0 ? t : t.PidNs.Lookup(pid)!;
        if (target == null) return Errno.ESRCH;
        return ProcessVmSyscalls.MayAccess(t, target) ? Errno.None : Errno.EPERM;
    }

    static long MigratePages(Task t, int pid, ulong maxnode, ulong fromAddr, ulong toAddr)
    {
        var e = ReadNodes(t, fromAddr, maxnode, out _);
        if (e != Errno.None) return Err(e);
        e = ReadNodes(t, toAddr, maxnode, out var toNodes);
        if (e != Errno.None) return Err(e);
        e = Target(t, pid, out var target);
        if (e != Errno.None) return Err(e);
        bool outside = (toNodes[0] & ~OnlineNodes) != 0 || toNodes.AsSpan(1).ContainsAnyExcept(0UL);
        if (outside && !t.Creds.Has(Credentials.CAP_SYS_NICE)) return Err(Errno.EPERM);
        if (outside) return Err(Errno.EINVAL);
        return target.Zombie ? Err(Errno.EINVAL) : 0; // no page is ever elsewhere: none left unmoved
    }

    static long MovePages(Task t, int pid, ulong count, ulong pages, ulong nodesAddr, ulong statusAddr, ulong flags)
    {
        if ((flags & ~(ulong)(MPOL_MF_MOVE | MPOL_MF_MOVE_ALL)) != 0) return Err(Errno.EINVAL);
        if ((flags & MPOL_MF_MOVE_ALL) != 0 && !t.Creds.Has(Credentials.CAP_SYS_NICE)) return Err(Errno.EPERM);
        var e = Target(t, pid, out var target);
        if (e != Errno.None) return Err(e);
        if (target.Zombie) return Err(Errno.EINVAL);
        var mm = target.MM;
        for (ulong i = 0; i < count; i++)
        {
            if (!t.Mem.Read(pages + i * 8, out ulong page)) return Err(Errno.EFAULT);
            if (nodesAddr != 0)
            {
                if (!t.Mem.Read(nodesAddr + i * 4, out int node)) return Err(Errno.EFAULT);
                if (!Online(node)) return Err(Errno.ENODEV);
            }
            int status;
            lock (mm) status = mm.Vmas.Find(page) is { } v && (v.Prot & Prot.Read) != 0 ? 0 : -(int)Errno.EFAULT;
            if (!t.Mem.Write(statusAddr + i * 4, status)) return Err(Errno.EFAULT);
        }
        return 0;
    }

    static long SetHomeNode(Task t, ulong start, ulong len, ulong home, ulong flags)
    {
        if ((start & (PageSize - 1)) != 0 || flags != 0) return Err(Errno.EINVAL);
        if (home >= MaxNumNodes || !Online((long)home)) return Err(Errno.EINVAL);
        ulong end = start + MemoryManager.PageUp(len);
        if (end < start || len > ulong.MaxValue - PageSize) return Err(Errno.EINVAL);
        lock (t.MM)
            foreach (var v in t.MM.Vmas.Slice(start, end))
                if (v.Policy != null && v.Policy.Mode is not (MPOL_BIND or MPOL_PREFERRED_MANY)) return Err(Errno.EOPNOTSUPP);
        return 0; // the one node is every policy's home already
    }
}
