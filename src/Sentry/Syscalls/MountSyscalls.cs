using AppKernel.Sentry.FileSystems.DevPts;
using AppKernel.Sentry.FileSystems.Proc;
using AppKernel.Sentry.FileSystems.Synthetic;
using AppKernel.Sentry.FileSystems.Tmpfs;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;
using Microsoft.Extensions.Logging;
using static AppKernel.Sentry.Syscalls.SyscallTable;

namespace AppKernel.Sentry.Syscalls;

/// <summary>
/// mount(2) and umount2(2) inside the sandbox, for the file systems the Sentry makes itself: devpts (a new
/// instance, with its mode=, gid= and ptmxmode=), tmpfs (mode=), proc, sysfs and mqueue (the kernel's one instance). Propagation changes are
/// accepted and do nothing (the sandbox has one mount namespace). Bind, move and remount, and every other type,
/// are refused: nothing of the host is ever mounted from inside.
/// </summary>
static class MountSyscalls
{
    const ulong MS_RDONLY = 1, MS_REMOUNT = 32, MS_BIND = 4096, MS_MOVE = 8192, MS_UNBINDABLE = 1 << 17,
        MS_PRIVATE = 1 << 18, MS_SLAVE = 1 << 19, MS_SHARED = 1 << 20;
    const ulong Propagation = MS_UNBINDABLE | MS_PRIVATE | MS_SLAVE | MS_SHARED;
    const int MNT_FORCE = 1, MNT_DETACH = 2, MNT_EXPIRE = 4, UMOUNT_NOFOLLOW = 8;
    const int DataMax = 4096;

    public static void Register(SyscallHandler?[] t)
    {
        t[Nr.mount] = (k, src, target, type, flags, data, _) => Mount(k, src, target, type, flags, data);
        t[Nr.umount2] = (k, target, flags, _, _, _, _) => Unmount(k, target, (int)flags);
    }

    static long Mount(Task t, ulong srcAddr, ulong targetAddr, ulong typeAddr, ulong flags, ulong dataAddr)
    {
        var e = PathSyscalls.Resolve(t, PathSyscalls.AT_FDCWD, targetAddr, 0, out var at);
        if (e != Errno.None) return Err(e);
        if (!t.Creds.Has(Credentials.CAP_SYS_ADMIN)) return Err(Errno.EPERM); // after the path, as Linux's may_mount
        if ((flags & Propagation) != 0) return 0; // one namespace: nothing to propagate to
        if ((flags & (MS_REMOUNT | MS_BIND | MS_MOVE)) != 0)
        {
            t.Kernel.Log.LogInformation("mount: flags 0x{Flags:x} (remount, bind or move) are not supported", flags);
            return Err(Errno.EINVAL);
        }
        e = t.Mem.ReadString(typeAddr, 256, out var type);
        if (e != Errno.None) return Err(e);
        string source = "none";
        if (srcAddr != 0 && t.Mem.ReadString(srcAddr, PathWalker.PathMax - 1, out var s) == Errno.None) source = s;
        string data = "";
        if (dataAddr != 0 && t.Mem.ReadString(dataAddr, DataMax, out var d) == Errno.None) data = d;
        if (!at.Inode.IsDir) return Err(Errno.ENOTDIR);
        var options = Options(data);
        Inode root;
        switch (type)
        {
            case "devpts":
            {
                // A new instance (newinstance is what every devpts here is): its own terminals, numbered from 0.
                if (!Octal(options, "mode", 0x180, out var mode) || !Octal(options, "ptmxmode", 0, out var ptmx)) return Err(Errno.EINVAL);
                uint? gid = null;
                if (options.TryGetValue("gid", out var g)) { if (!uint.TryParse(g, out var gv)) return Err(Errno.EINVAL); gid = gv; }
                root = new DevPtsFs(t.Kernel, new DevPtsOptions(mode, gid, ptmx)).Root;
                break;
            }
            case "tmpfs":
                if (!Octal(options, "mode", 0x3ff, out var tmode)) return Err(Errno.EINVAL);
                root = TmpfsFs.Create(tmode & 0xfff);
                break;
            case "proc": root = new ProcRoot(t.Kernel); break;
            case "sysfs": root = SysFs.Create(); break;
            case "mqueue": root = t.Kernel.Mqueue.Root; break; // the one instance, as Linux's per IPC namespace
            default: return Err(Errno.ENODEV);
        }
        t.Kernel.Mounts.MountAt(at, root, type, source, (flags & MS_RDONLY) != 0);
        return 0;
    }

    static long Unmount(Task t, ulong targetAddr, int flags)
    {
        if ((flags & ~(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW)) != 0) return Err(Errno.EINVAL);
        var e = PathSyscalls.Resolve(t, PathSyscalls.AT_FDCWD, targetAddr,
            (flags & UMOUNT_NOFOLLOW) != 0 ? PathSyscalls.AT_SYMLINK_NOFOLLOW : 0, out var at);
        if (e != Errno.None) return Err(e);
        if (!t.Creds.Has(Credentials.CAP_SYS_ADMIN)) return Err(Errno.EPERM);
        return Err(t.Kernel.Mounts.Unmount(at, detach: (flags & MNT_DETACH) != 0));
    }

    /// <summary>A mount's data string: comma-separated key=value options.</summary>
    static Dictionary<string, string> Options(string data)
    {
        var o = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in data.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = part.Split('=', 2);
            o[kv[0]] = kv.Length == 2 ? kv[1] : "";
        }
        return o;
    }

    static bool Octal(Dictionary<string, string> o, string key, uint dflt, out uint v)
    {
        v = dflt;
        if (!o.TryGetValue(key, out var s)) return true;
        try { v = Convert.ToUInt32(s, 8); return v <= 0xfff; }
        catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentException) { return false; }
    }
}
