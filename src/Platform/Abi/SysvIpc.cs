using System.Runtime.InteropServices;

namespace AppKernel;

/// <summary>struct ipc64_perm of x86-64 (48 bytes): the owner, creator and mode of a System V IPC object.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct IpcPerm64
{
    public int Key;
    public uint Uid, Gid, Cuid, Cgid;
    public uint Mode;
    public ushort Seq;
    ushort _pad2;
    ulong _unused1, _unused2;
}

/// <summary>struct shmid64_ds of x86-64 (112 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct ShmidDs
{
    public IpcPerm64 Perm;
    public ulong Segsz;
    public long Atime, Dtime, Ctime;
    public int Cpid, Lpid;
    public ulong Nattch;
    ulong _unused4, _unused5;
}

/// <summary>struct semid64_ds of x86-64 (104 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct SemidDs
{
    public IpcPerm64 Perm;
    public long Otime;
    ulong _unused1;
    public long Ctime;
    ulong _unused2;
    public ulong Nsems;
    ulong _unused3, _unused4;
}

/// <summary>struct msqid64_ds of x86-64 (120 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct MsqidDs
{
    public IpcPerm64 Perm;
    public long Stime, Rtime, Ctime;
    public ulong Cbytes, Qnum, Qbytes;
    public int Lspid, Lrpid;
    ulong _unused4, _unused5;
}

/// <summary>struct shminfo64 (72 bytes): shmctl(IPC_INFO).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct ShmInfoLimits
{
    public ulong Shmmax, Shmmin, Shmmni, Shmseg, Shmall;
    ulong _unused1, _unused2, _unused3, _unused4;
}

/// <summary>struct shm_info (48 bytes): shmctl(SHM_INFO).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct ShmInfoUsage
{
    public int UsedIds;
    public ulong ShmTot, ShmRss, ShmSwp, SwapAttempts, SwapSuccesses;
}

/// <summary>struct seminfo (40 bytes): semctl(IPC_INFO, SEM_INFO).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct SemInfo
{
    public int Semmap, Semmni, Semmns, Semmnu, Semmsl, Semopm, Semume, Semusz, Semvmx, Semaem;
}

/// <summary>struct msginfo (32 bytes): msgctl(IPC_INFO, MSG_INFO).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct MsgInfo
{
    public int Msgpool, Msgmap, Msgmax, Msgmnb, Msgmni, Msgssz, Msgtql;
    public ushort Msgseg;
}

/// <summary>struct sembuf (6 bytes): one semop operation.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct SemBuf
{
    public ushort Num;
    public short Op;
    public short Flg;
}
