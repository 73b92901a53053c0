using AppKernel.Sentry.FileSystems.Synthetic;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Memory;
using AppKernel.Sentry.Syscalls;
using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.FileSystems.Proc;

/// <summary>
/// /proc/[pid]/mem (and task/[tid]/mem): the process's memory with the file offset as the address, as debuggers
/// use it (Linux's mem_open and mem_rw). Opening takes ptrace-attach access (PTRACE_MODE_ATTACH_FSCREDS) and binds
/// the address space of that moment: after an exec or the end, reads and writes move nothing. Access is forced as
/// ptrace's PEEK/POKE (<see cref="MemoryManager.AccessForced"/>); nothing readable at the offset is EIO.
/// </summary>
sealed class ProcPidMem : SynthInode
{
    readonly Task _p;

    public ProcPidMem(Task p)
    {
        _p = p;
        Perm = 0x180; // 0600
    }

    protected override uint TypeBits => InodeMode.S_IFREG;

    public override Errno Open(Task t, VfsPath path, int flags, out FileDescription? fd)
    {
        fd = null;
        if (ProcPidFiles.MmOf(_p) is not { } mm) return Errno.ESRCH;
        if (!ProcessVmSyscalls.MayAccess(t, _p, fsCreds: true)) return Errno.EACCES;
        fd = new MemFile(flags, path, this, mm);
        return Errno.None;
    }

    public override Errno Truncate(long size) => Errno.None;

    sealed class MemFile(int flags, VfsPath path, Inode inode, MemoryManager mm) : FileDescription(flags, path, inode)
    {
        public override long ReadAt(Task t, Span<byte> buf, long offset) =>
            OpenFlags.CanRead(Flags) ? Access(buf, offset, write: false) : -(long)Errno.EBADF;

        public override long WriteAt(Task t, ReadOnlySpan<byte> buf, long offset)
        {
            if (!OpenFlags.CanWrite(Flags)) return -(long)Errno.EBADF;
            var copy = buf.ToArray();
            return Access(copy, offset, write: true);
        }

        long Access(Span<byte> buf, long offset, bool write)
        {
            if (buf.Length == 0 || !mm.Live) return 0;
            int n = mm.AccessForced((ulong)offset, buf, write);
            return n > 0 ? n : -(long)Errno.EIO;
        }
    }
}
