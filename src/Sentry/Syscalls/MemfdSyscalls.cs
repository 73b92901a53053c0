using System.Text;
using AppKernel.Sentry.FileSystems.Tmpfs;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;
using static AppKernel.Sentry.Syscalls.SyscallTable;

namespace AppKernel.Sentry.Syscalls;

/// <summary>memfd_create: an unnamed memory file, shown as "/memfd:NAME (deleted)", with file seals.</summary>
static class MemfdSyscalls
{
    const uint MFD_CLOEXEC = 1, MFD_ALLOW_SEALING = 2, MFD_HUGETLB = 4, MFD_NOEXEC_SEAL = 8, MFD_EXEC = 0x10;

    public static void Register(SyscallHandler?[] t)
    {
        t[Nr.memfd_create] = (k, name, flags, _, _, _, _) => Create(k, name, (uint)flags);
    }

    static long Create(Task t, ulong nameAddr, uint flags)
    {
        if ((flags & ~(MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB | MFD_NOEXEC_SEAL | MFD_EXEC)) != 0) return Err(Errno.EINVAL);
        if ((flags & MFD_HUGETLB) != 0) return Err(Errno.EINVAL); // no huge pages in the sandbox
        if ((flags & (MFD_NOEXEC_SEAL | MFD_EXEC)) == (MFD_NOEXEC_SEAL | MFD_EXEC)) return Err(Errno.EINVAL);
        var e = t.Mem.ReadString(nameAddr, 250, out var name);
        if (e == Errno.ENAMETOOLONG || (e == Errno.None && LinuxText.ByteCount(name) > 249)) return Err(Errno.EINVAL);
        if (e != Errno.None) return Err(e);
        var mount = t.Kernel.MemfdMount;
        var root = (TmpfsDir)mount.Root.Inode;
        root.CreateUnnamed(t, InodeMode.S_IFREG | ((flags & MFD_NOEXEC_SEAL) != 0 ? 0x1b6u : 0x1ffu), false, out var inode);
        var file = (TmpfsFile)inode!;
        file.Seals = (flags & MFD_ALLOW_SEALING) != 0 ? 0 : TmpfsFile.F_SEAL_SEAL;
        var path = new VfsPath(mount, new Dentry("memfd:" + name, mount.Root, file));
        e = file.Open(t, path, OpenFlags.O_RDWR | OpenFlags.O_LARGEFILE, out var fd);
        if (e != Errno.None) return Err(e);
        int n = t.Fds.Install(fd!, (flags & MFD_CLOEXEC) != 0, 0, t.Limits.NoFile);
        if (n < 0) fd!.DecRef();
        return n;
    }
}
