using AppKernel.Platform.Native;

namespace AppKernel.Runsc.Runtime;

/// <summary>A host process named by pid and start time: a pid the kernel gave to someone else since is not ours.</summary>
public static unsafe class HostProcess
{
    const int SYS_pidfd_send_signal = 424, SYS_pidfd_open = 434, POLLIN = 1;

    /// <summary>Field 22 of /proc/PID/stat (clock ticks after boot), or 0 if the process is gone.</summary>
    public static ulong StartTime(int pid)
    {
        if (pid <= 0) return 0;
        string stat;
        try { stat = File.ReadAllText($"/proc/{pid}/stat"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return 0; }
        // comm may hold spaces and parentheses: the fields start after the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return fields.Length > 19 && ulong.TryParse(fields[19], out var t) ? t : 0;
    }

    /// <summary>Alive and not a zombie.</summary>
    public static bool IsAlive(int pid, ulong startTime)
    {
        if (pid <= 0 || StartTime(pid) != startTime) return false;
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[stat.LastIndexOf(')') + 2] is not ('Z' or 'X');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    /// <summary>Sends sig to the process if it is still the one started at startTime.</summary>
    public static bool Signal(int pid, ulong startTime, int sig)
    {
        int fd = PidFd(pid, startTime);
        if (fd < 0) return false;
        try { return pidfd_send_signal(fd, sig) == 0; }
        finally { Tmds.Linux.LibC.close(fd); }
    }

    /// <summary>Waits until the process has exited (a zombie counts: its parent reaps it). False on timeout.</summary>
    public static bool WaitGone(int pid, ulong startTime, TimeSpan timeout)
    {
        int fd = PidFd(pid, startTime);
        if (fd < 0) return true;
        try
        {
            var p = new Tmds.Linux.pollfd { fd = fd, events = POLLIN };
            int ms = (int)Math.Min(timeout.TotalMilliseconds, int.MaxValue);
            int r;
            do r = Tmds.Linux.LibC.poll(&p, 1, ms); while (r < 0 && Tmds.Linux.LibC.errno == Tmds.Linux.LibC.EINTR);
            return r > 0;
        }
        finally { Tmds.Linux.LibC.close(fd); }
    }

    /// <summary>A pidfd of pid, checked against startTime after it is opened (so it cannot name a newer process).</summary>
    static int PidFd(int pid, ulong startTime)
    {
        if (pid <= 0) return -1;
        int fd = (int)Host.syscall(SYS_pidfd_open, pid, 0, 0);
        if (fd < 0) return -1;
        if (StartTime(pid) != startTime)
        {
            Tmds.Linux.LibC.close(fd);
            return -1;
        }
        return fd;
    }

    static int pidfd_send_signal(int fd, int sig) => (int)Host.syscall4(SYS_pidfd_send_signal, fd, sig, 0, 0);
}
