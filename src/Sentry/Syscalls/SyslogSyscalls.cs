using AppKernel.Sentry.Kernel;
using static AppKernel.Sentry.Syscalls.SyscallTable;

namespace AppKernel.Sentry.Syscalls;

/// <summary>
/// syslog(2), the kernel log's calls, over the sandbox's own log: a few boot lines of ours, never the host's. As with
/// dmesg_restrict=1 (Debian's default), every action needs CAP_SYSLOG (or CAP_SYS_ADMIN), even open and close; the
/// console controls have no console to change and succeed.
/// </summary>
static class SyslogSyscalls
{
    const int SYSLOG_ACTION_CLOSE = 0, SYSLOG_ACTION_OPEN = 1, SYSLOG_ACTION_READ = 2, SYSLOG_ACTION_READ_ALL = 3,
        SYSLOG_ACTION_READ_CLEAR = 4, SYSLOG_ACTION_CLEAR = 5, SYSLOG_ACTION_CONSOLE_OFF = 6, SYSLOG_ACTION_CONSOLE_ON = 7,
        SYSLOG_ACTION_CONSOLE_LEVEL = 8, SYSLOG_ACTION_SIZE_UNREAD = 9, SYSLOG_ACTION_SIZE_BUFFER = 10;

    /// <summary>The log buffer's size, as a kernel built with CONFIG_LOG_BUF_SHIFT=17.</summary>
    const int LogBufferSize = 1 << 17;

    public static void Register(SyscallHandler?[] t) =>
        t[Nr.syslog] = (k, type, buf, len, _, _, _) => Syslog(k, (int)type, buf, (int)len);

    static byte[] LogText(Task t) => LinuxText.Encode(
        $"[    0.000000] Linux version {Kernel.Kernel.Release} (appkernel@appkernel) (gcc) {Kernel.Kernel.Version}\n" +
        $"[    0.000000] Command line: {ProcCmdline}\n");

    static string ProcCmdline => FileSystems.Proc.ProcRoot.KernelCmdline.TrimEnd('\n');

    static long Syslog(Task t, int type, ulong buf, int len)
    {
        if (!t.Creds.Has(Credentials.CAP_SYSLOG) && !t.Creds.Has(Credentials.CAP_SYS_ADMIN)) return Err(Errno.EPERM);
        if (type is SYSLOG_ACTION_CLOSE or SYSLOG_ACTION_OPEN) return 0;
        if (type is < SYSLOG_ACTION_CLOSE or > SYSLOG_ACTION_SIZE_BUFFER) return Err(Errno.EINVAL);
        var log = t.Kernel.LogCleared ? [] : LogText(t);
        switch (type)
        {
            case SYSLOG_ACTION_READ:
            case SYSLOG_ACTION_READ_ALL:
            case SYSLOG_ACTION_READ_CLEAR:
            {
                if (buf == 0 || len < 0) return Err(Errno.EINVAL);
                if (len == 0) return 0;
                // READ_ALL gives the newest len bytes; READ takes from the start (nothing is ever waited for).
                int n = Math.Min(len, log.Length);
                var part = type == SYSLOG_ACTION_READ ? log.AsSpan(0, n) : log.AsSpan(log.Length - n, n);
                if (!t.Mem.Write(buf, part)) return Err(Errno.EFAULT);
                if (type != SYSLOG_ACTION_READ_ALL) t.Kernel.LogCleared = true;
                return n;
            }
            case SYSLOG_ACTION_CLEAR:
                t.Kernel.LogCleared = true;
                return 0;
            case SYSLOG_ACTION_CONSOLE_LEVEL:
                return len is < 1 or > 8 ? Err(Errno.EINVAL) : 0;
            case SYSLOG_ACTION_SIZE_UNREAD:
                return log.Length;
            case SYSLOG_ACTION_SIZE_BUFFER:
                return LogBufferSize;
            default: // CONSOLE_OFF, CONSOLE_ON
                return 0;
        }
    }
}
