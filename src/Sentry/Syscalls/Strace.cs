using System.Text;
using AppKernel.Sentry.Kernel;

namespace AppKernel.Sentry.Syscalls;

/// <summary>
/// --strace: prints each guest syscall like strace(1), "name(args) = result", with paths,
/// buffers, flags and errno names decoded; then, in seconds, the time the Sentry took to serve it ("&lt;0.000012&gt;",
/// as `strace -T` prints) and the time the task ran in the guest since its previous syscall ("guest 0.000034").
/// </summary>
public sealed class Strace
{
    // Argument kinds: i int, u unsigned, x hex, p pointer, s string, b buffer written by the guest (length in next arg),
    // B buffer filled by the call (length = result), f dirfd, o open flags, m octal mode, _ unused.
    static readonly Dictionary<string, string> s_formats = new()
    {
        ["read"] = "iBu", ["write"] = "ibu", ["pread64"] = "iBui", ["pwrite64"] = "ibui", ["open"] = "som", ["openat"] = "fsom",
        ["close"] = "i", ["stat"] = "sp", ["fstat"] = "ip", ["lstat"] = "sp", ["newfstatat"] = "fspx", ["statx"] = "fsxxp",
        ["lseek"] = "iii", ["mmap"] = "pxxxii", ["mprotect"] = "pxx", ["munmap"] = "px", ["brk"] = "p", ["ioctl"] = "ixp",
        ["readv"] = "ipi", ["writev"] = "ipi", ["access"] = "sx", ["faccessat"] = "fsx", ["faccessat2"] = "fsxx", ["pipe2"] = "px",
        ["dup"] = "i", ["dup2"] = "ii", ["dup3"] = "iix", ["getdents64"] = "ipu", ["getdents"] = "ipu", ["fcntl"] = "iix", ["getcwd"] = "pu",
        ["chdir"] = "s", ["fchdir"] = "i", ["readlink"] = "spu", ["readlinkat"] = "fspu", ["execve"] = "spp", ["exit_group"] = "i",
        ["exit"] = "i", ["arch_prctl"] = "xp", ["set_tid_address"] = "p", ["set_robust_list"] = "pu", ["rseq"] = "puxx",
        ["prlimit64"] = "iipp", ["getrandom"] = "pux", ["rt_sigaction"] = "ippu", ["rt_sigprocmask"] = "ippu",
        ["clock_gettime"] = "ip", ["clock_nanosleep"] = "iipp", ["nanosleep"] = "pp", ["futex"] = "pxuppu", ["uname"] = "p",
        ["mremap"] = "pxxxp", ["madvise"] = "pxi", ["sysinfo"] = "p", ["umask"] = "m", ["sched_getaffinity"] = "iup",
        ["getpid"] = "", ["gettid"] = "", ["getuid"] = "", ["geteuid"] = "", ["getgid"] = "", ["getegid"] = "", ["getppid"] = "",
    };

    readonly Task _task;
    readonly TextWriter _out;
    readonly string?[] _strings = new string?[6];
    readonly ulong[] _args = new ulong[6];
    long _entered, _exited;

    public Strace(Task t)
    {
        _task = t;
        _out = t.Kernel.Options.StraceWriter ?? Console.Error;
    }

    public void Enter(long nr)
    {
        _entered = System.Diagnostics.Stopwatch.GetTimestamp();
        var r = _task.Regs;
        _args[0] = r.Rdi; _args[1] = r.Rsi; _args[2] = r.Rdx; _args[3] = r.R10; _args[4] = r.R8; _args[5] = r.R9;
        var fmt = Format(nr);
        for (int i = 0; i < 6; i++)
        {
            _strings[i] = null;
            if (i < fmt.Length && fmt[i] == 's')
                _strings[i] = _task.Mem.ReadCString(_args[i], 4095, out var s) == Errno.None ? LinuxText.Quote(s, 64) : $"0x{_args[i]:x}";
            else if (i < fmt.Length && fmt[i] == 'b')
                _strings[i] = Buffer(_args[i], (long)_args[i + 1]);
        }
    }

    public void Exit(long nr, long ret)
    {
        long now = System.Diagnostics.Stopwatch.GetTimestamp();
        var name = SyscallNames.Of(nr);
        var fmt = Format(nr);
        var sb = new StringBuilder();
        sb.Append('[').Append(_task.Tid).Append("] ").Append(name).Append('(');
        for (int i = 0; i < fmt.Length; i++)
        {
            if (i > 0) sb.Append(", ");
            ulong a = _args[i];
            switch (fmt[i])
            {
                case 'i': sb.Append((int)a); break;
                case 'u': sb.Append(a); break;
                case 'x': sb.Append("0x").Append(a.ToString("x")); break;
                case 'p': sb.Append(a == 0 ? "NULL" : "0x" + a.ToString("x")); break;
                case 'f': sb.Append((int)a == -100 ? "AT_FDCWD" : ((int)a).ToString()); break;
                case 'm': sb.Append('0').Append(Convert.ToString((long)(a & 0xfff), 8)); break;
                case 'o': sb.Append(OpenFlagNames((int)a)); break;
                case 's': case 'b': sb.Append(_strings[i]); break;
                case 'B': sb.Append(ret > 0 ? Buffer(a, ret) : "0x" + a.ToString("x")); break;
                default: sb.Append("0x").Append(a.ToString("x")); break;
            }
        }
        sb.Append(") = ");
        if (_task.Exited && (nr == Nr.exit_group || nr == Nr.exit)) sb.Append('?');
        else if (ret < 0 && ret >= -4095) sb.Append("-1 ").Append(((Errno)(-ret)).ToString());
        else if (name is "mmap" or "brk" or "mremap") sb.Append("0x").Append(ret.ToString("x"));
        else sb.Append(ret);
        sb.Append(" <").Append(Seconds(now - _entered)).Append('>');
        if (_exited != 0) sb.Append(" guest ").Append(Seconds(_entered - _exited));
        _exited = System.Diagnostics.Stopwatch.GetTimestamp();
        lock (_out) _out.WriteLine(sb.ToString());
    }

    static string Seconds(long ticks) =>
        ((double)ticks / System.Diagnostics.Stopwatch.Frequency).ToString("F6", System.Globalization.CultureInfo.InvariantCulture);

    static string Format(long nr) => s_formats.TryGetValue(SyscallNames.Of(nr), out var f) ? f : "xxx";

    string Buffer(ulong addr, long len)
    {
        if (len < 0) return "0x" + addr.ToString("x");
        var b = new byte[Math.Min(len, 32)];
        int n = _task.Mem.ReadPartial(addr, b);
        return LinuxText.Quote(b.AsSpan(0, n)) + (len > 32 ? "..." : "");
    }

    static string OpenFlagNames(int f)
    {
        var parts = new List<string> { (f & 3) switch { 0 => "O_RDONLY", 1 => "O_WRONLY", 2 => "O_RDWR", _ => "O_ACCMODE" } };
        (int, string)[] names =
        {
            (0x40, "O_CREAT"), (0x80, "O_EXCL"), (0x100, "O_NOCTTY"), (0x200, "O_TRUNC"), (0x400, "O_APPEND"), (0x800, "O_NONBLOCK"),
            (0x10000, "O_DIRECTORY"), (0x20000, "O_NOFOLLOW"), (0x80000, "O_CLOEXEC"), (0x200000, "O_PATH"),
        };
        foreach (var (bit, n) in names) if ((f & bit) != 0) parts.Add(n);
        return string.Join('|', parts);
    }
}
