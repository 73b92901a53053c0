using System.Runtime.InteropServices;

namespace AppKernel;

/// <summary>struct timespec (16 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct Timespec
{
    public long Sec;
    public long Nsec;
}

/// <summary>struct timeval (16 bytes): microseconds.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct Timeval
{
    public long Sec;
    public long Usec;
}

/// <summary>struct itimerspec (32 bytes): interval first, then value.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct ITimerSpec
{
    public Timespec Interval, Value;
}

/// <summary>struct itimerval (32 bytes), for setitimer/getitimer.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct ITimerVal
{
    public long IntervalSec, IntervalUsec, ValueSec, ValueUsec;
}

/// <summary>struct tms (32 bytes) of times(2), in clock ticks.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct Tms
{
    public long Utime, Stime, Cutime, Cstime;
}

/// <summary>struct utimbuf (16 bytes) of utime(2): seconds only.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct Utimbuf
{
    public long Actime, Modtime;
}
