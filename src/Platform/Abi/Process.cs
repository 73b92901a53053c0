using System.Runtime.InteropServices;

namespace AppKernel;

/// <summary>struct rlimit / rlimit64 (16 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct RLimit
{
    public ulong Cur;
    public ulong Max;
}

/// <summary>struct rusage (144 bytes): two timevals and fourteen longs.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct RUsage
{
    public Timeval Utime, Stime;
    public long Maxrss, Ixrss, Idrss, Isrss, Minflt, Majflt, Nswap, Inblock, Oublock, Msgsnd, Msgrcv, Nsignals, Nvcsw, Nivcsw;
}

/// <summary>struct sysinfo (112 bytes on x86-64, _f padding included).</summary>
[StructLayout(LayoutKind.Sequential, Size = 112)]
public unsafe struct SysInfo
{
    public long Uptime;
    public fixed ulong Loads[3];
    public ulong Totalram, Freeram, Sharedram, Bufferram, Totalswap, Freeswap;
    public ushort Procs, Pad;
    public ulong Totalhigh, Freehigh;
    public uint MemUnit;
}

/// <summary>struct new_utsname (6 × 65 bytes) of uname(2).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct UtsName
{
    public const int FieldLength = 65;
    public fixed byte Sysname[FieldLength];
    public fixed byte Nodename[FieldLength];
    public fixed byte Release[FieldLength];
    public fixed byte Version[FieldLength];
    public fixed byte Machine[FieldLength];
    public fixed byte Domainname[FieldLength];
}

/// <summary>struct clone_args of clone3 (88 bytes up to cgroup, CLONE_ARGS_SIZE_VER2; VER0 is the first 64).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct CloneArgs
{
    public const int SizeVer0 = 64;
    public ulong Flags, Pidfd, ChildTid, ParentTid, ExitSignal, Stack, StackSize, Tls, SetTid, SetTidSize, Cgroup;
}

/// <summary>struct __user_cap_header_struct and one __user_cap_data_struct (capget/capset; version 2 and 3 take two).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct CapUserHeader
{
    public uint Version;
    public int Pid;
}

[StructLayout(LayoutKind.Sequential)]
public struct CapUserData
{
    public uint Effective, Permitted, Inheritable;
}
