using System.Runtime.InteropServices;

namespace AppKernel.Platform.Confinement;

/// <summary>Host calls and constants for confinement that Tmds.LibC lacks. Calls return -1 and set errno on failure.</summary>
internal static unsafe partial class ConfinementNative
{
    const string Libc = "libc";

    [LibraryImport(Libc, SetLastError = true)]
    internal static partial long syscall(long nr, long a1, long a2, long a3);

    [LibraryImport(Libc, SetLastError = true)]
    internal static partial int prctl(int option, ulong a2, ulong a3, ulong a4, ulong a5);

    [LibraryImport(Libc, SetLastError = true)]
    internal static partial int capget(CapHeader* header, CapData* data);

    [LibraryImport(Libc, SetLastError = true)]
    internal static partial int capset(CapHeader* header, CapData* data);

    [LibraryImport(Libc, SetLastError = true)]
    internal static partial int mount(byte* source, byte* target, byte* fstype, ulong flags, void* data);

    internal static Errno LastErrno => (Errno)Marshal.GetLastPInvokeError();

    // asm/unistd_64.h
    internal const int SYS_gettid = 186;
    internal const int SYS_pivot_root = 155;
    internal const int SYS_seccomp = 317;
    internal const int SYS_setns = 308;
    internal const int SYS_prctl = 157;
    internal const int SYS_capset = 126;

    // linux/sched.h
    internal const int CLONE_VM = 0x00000100;
    internal const int CLONE_NEWNS = 0x00020000;
    internal const int CLONE_NEWUTS = 0x04000000;
    internal const int CLONE_NEWIPC = 0x08000000;
    internal const int CLONE_NEWNET = 0x40000000;

    // linux/mount.h
    internal const ulong MS_RDONLY = 1;
    internal const ulong MS_NOSUID = 2;
    internal const ulong MS_NODEV = 4;
    internal const ulong MS_NOEXEC = 8;
    internal const ulong MS_REMOUNT = 32;
    internal const ulong MS_BIND = 4096;
    internal const ulong MS_REC = 16384;
    internal const ulong MS_PRIVATE = 1 << 18;
    internal const int MNT_DETACH = 2;

    // linux/prctl.h
    internal const int PR_CAPBSET_READ = 23;
    internal const int PR_CAPBSET_DROP = 24;
    internal const int PR_SET_NO_NEW_PRIVS = 38;
    internal const int PR_GET_NO_NEW_PRIVS = 39;
    internal const int PR_CAP_AMBIENT = 47;
    internal const int PR_CAP_AMBIENT_CLEAR_ALL = 4;

    // linux/capability.h
    internal const uint LINUX_CAPABILITY_VERSION_3 = 0x20080522;

    // linux/seccomp.h
    internal const int SECCOMP_SET_MODE_FILTER = 1;
    internal const int SECCOMP_FILTER_FLAG_TSYNC = 1;
    internal const int SECCOMP_FILTER_FLAG_LOG = 2;
}

[StructLayout(LayoutKind.Sequential)]
internal struct CapHeader
{
    public uint Version;
    public int Pid;
}

/// <summary>One of the two 32-bit halves of a version-3 capability set.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CapData
{
    public uint Effective;
    public uint Permitted;
    public uint Inheritable;
}
