using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using AppKernel.Platform;
using Xunit;

namespace AppKernel.Tests.Platform;

/// <summary>
/// Every kernel structure the Sentry copies to or from the guest is defined once (src/Platform/Abi, plus the
/// registers); this compiles a C program against the host's headers — the kernel's own definitions where glibc's
/// differ (asm/termbits.h's termios, asm/signal.h's sigaction, asm/ucontext.h) — and checks each C# definition's
/// size and every field's offset against sizeof and offsetof.
/// </summary>
public class AbiLayoutTests
{
    /// <summary>A C type, its C# definition, and (C field, C# field) pairs. Kernel = compiled with the kernel's
    /// asm/signal.h instead of glibc's signal.h (the two cannot be included together).</summary>
    sealed record Layout(string C, Type Cs, (string C, string Cs)[] Fields, bool Kernel = false);

    static (string, string)[] F(params string[] pairs)
    {
        var r = new (string, string)[pairs.Length / 2];
        for (int i = 0; i < r.Length; i++) r[i] = (pairs[2 * i], pairs[2 * i + 1]);
        return r;
    }

    static readonly Layout[] Layouts =
    {
        new("struct termios", typeof(Termios), F("c_iflag", "Iflag", "c_oflag", "Oflag", "c_cflag", "Cflag", "c_lflag", "Lflag", "c_line", "Line", "c_cc", "Cc")),
        new("struct termios2", typeof(Termios2), F("c_iflag", "Iflag", "c_lflag", "Lflag", "c_line", "Line", "c_cc", "Cc", "c_ispeed", "Ispeed", "c_ospeed", "Ospeed")),
        new("struct winsize", typeof(WinSize), F("ws_row", "Row", "ws_col", "Col", "ws_xpixel", "Xpixel", "ws_ypixel", "Ypixel")),
        new("struct stat", typeof(LinuxStat), F("st_dev", "Dev", "st_ino", "Ino", "st_nlink", "Nlink", "st_mode", "Mode", "st_uid", "Uid", "st_gid", "Gid",
            "st_rdev", "Rdev", "st_size", "Size", "st_blksize", "Blksize", "st_blocks", "Blocks", "st_atim.tv_sec", "Atime", "st_atim.tv_nsec", "AtimeNsec",
            "st_mtim.tv_sec", "Mtime", "st_mtim.tv_nsec", "MtimeNsec", "st_ctim.tv_sec", "Ctime", "st_ctim.tv_nsec", "CtimeNsec")),
        new("struct statx", typeof(LinuxStatx), F("stx_mask", "Mask", "stx_blksize", "Blksize", "stx_attributes", "Attributes", "stx_nlink", "Nlink",
            "stx_uid", "Uid", "stx_gid", "Gid", "stx_mode", "Mode", "stx_ino", "Ino", "stx_size", "Size", "stx_blocks", "Blocks",
            "stx_attributes_mask", "AttributesMask", "stx_atime", "Atime", "stx_btime", "Btime", "stx_ctime", "Ctime", "stx_mtime", "Mtime",
            "stx_rdev_major", "RdevMajor", "stx_rdev_minor", "RdevMinor", "stx_dev_major", "DevMajor", "stx_dev_minor", "DevMinor", "stx_mnt_id", "MntId")),
        new("struct statx_timestamp", typeof(StatxTimestamp), F("tv_sec", "Sec", "tv_nsec", "Nsec")),
        new("struct statfs", typeof(LinuxStatFs), F("f_type", "Type", "f_bsize", "Bsize", "f_blocks", "Blocks", "f_bfree", "Bfree", "f_bavail", "Bavail",
            "f_files", "Files", "f_ffree", "Ffree", "f_fsid", "Fsid", "f_namelen", "Namelen", "f_frsize", "Frsize", "f_flags", "Flags")),
        new("struct flock", typeof(Flock), F("l_type", "Type", "l_whence", "Whence", "l_start", "Start", "l_len", "Len", "l_pid", "Pid")),
        new("struct pollfd", typeof(PollFd), F("fd", "Fd", "events", "Events", "revents", "Revents")),
        new("struct epoll_event", typeof(EpollEvent), F("events", "Events", "data", "Data")),
        new("struct iovec", typeof(IoVec), F("iov_base", "Base", "iov_len", "Len")),
        // glibc's struct dirent64 has linux_dirent64's head; only where d_name starts is checked against our head's size.
        new("struct dirent64", typeof(Dirent64Head), F("d_ino", "Ino", "d_off", "Off", "d_reclen", "Reclen", "d_type", "Type")),
        new("struct timespec", typeof(Timespec), F("tv_sec", "Sec", "tv_nsec", "Nsec")),
        new("struct timeval", typeof(Timeval), F("tv_sec", "Sec", "tv_usec", "Usec")),
        new("struct itimerspec", typeof(ITimerSpec), F("it_interval", "Interval", "it_value", "Value")),
        new("struct itimerval", typeof(ITimerVal), F("it_interval.tv_sec", "IntervalSec", "it_interval.tv_usec", "IntervalUsec", "it_value.tv_sec", "ValueSec", "it_value.tv_usec", "ValueUsec")),
        new("struct utimbuf", typeof(Utimbuf), F("actime", "Actime", "modtime", "Modtime")),
        new("struct tms", typeof(Tms), F("tms_utime", "Utime", "tms_stime", "Stime", "tms_cutime", "Cutime", "tms_cstime", "Cstime")),
        new("struct rlimit", typeof(RLimit), F("rlim_cur", "Cur", "rlim_max", "Max")),
        new("struct rusage", typeof(RUsage), F("ru_utime", "Utime", "ru_stime", "Stime", "ru_maxrss", "Maxrss", "ru_minflt", "Minflt", "ru_majflt", "Majflt",
            "ru_nsignals", "Nsignals", "ru_nvcsw", "Nvcsw", "ru_nivcsw", "Nivcsw")),
        new("struct sysinfo", typeof(SysInfo), F("uptime", "Uptime", "loads", "Loads", "totalram", "Totalram", "freeram", "Freeram", "sharedram", "Sharedram",
            "bufferram", "Bufferram", "totalswap", "Totalswap", "freeswap", "Freeswap", "procs", "Procs", "totalhigh", "Totalhigh", "freehigh", "Freehigh", "mem_unit", "MemUnit")),
        new("struct utsname", typeof(UtsName), F("sysname", "Sysname", "nodename", "Nodename", "release", "Release", "version", "Version", "machine", "Machine", "domainname", "Domainname")),
        new("siginfo_t", typeof(SigInfo), F("si_signo", "Signo", "si_errno", "Errno", "si_code", "Code", "si_pid", "Pid", "si_uid", "Uid", "si_status", "Status",
            "si_value", "Value", "si_addr", "Addr", "si_timerid", "TimerId", "si_overrun", "Overrun", "si_syscall", "Syscall", "si_arch", "Arch")),
        new("struct signalfd_siginfo", typeof(SignalfdSiginfo), F("ssi_signo", "Signo", "ssi_errno", "Errno", "ssi_code", "Code", "ssi_pid", "Pid", "ssi_uid", "Uid",
            "ssi_fd", "Fd", "ssi_tid", "Tid", "ssi_band", "Band", "ssi_overrun", "Overrun", "ssi_trapno", "Trapno", "ssi_status", "Status", "ssi_int", "Int",
            "ssi_ptr", "Ptr", "ssi_utime", "Utime", "ssi_stime", "Stime", "ssi_addr", "Addr", "ssi_addr_lsb", "AddrLsb")),
        new("struct clone_args", typeof(CloneArgs), F("flags", "Flags", "pidfd", "Pidfd", "child_tid", "ChildTid", "parent_tid", "ParentTid",
            "exit_signal", "ExitSignal", "stack", "Stack", "stack_size", "StackSize", "tls", "Tls", "set_tid", "SetTid", "set_tid_size", "SetTidSize", "cgroup", "Cgroup")),
        new("struct __user_cap_header_struct", typeof(CapUserHeader), F("version", "Version", "pid", "Pid")),
        new("struct __user_cap_data_struct", typeof(CapUserData), F("effective", "Effective", "permitted", "Permitted", "inheritable", "Inheritable")),
        new("struct ipc_perm", typeof(IpcPerm64), F("__key", "Key", "uid", "Uid", "gid", "Gid", "cuid", "Cuid", "cgid", "Cgid", "mode", "Mode", "__seq", "Seq")),
        new("struct shmid_ds", typeof(ShmidDs), F("shm_perm", "Perm", "shm_segsz", "Segsz", "shm_atime", "Atime", "shm_dtime", "Dtime", "shm_ctime", "Ctime",
            "shm_cpid", "Cpid", "shm_lpid", "Lpid", "shm_nattch", "Nattch")),
        new("struct semid_ds", typeof(SemidDs), F("sem_perm", "Perm", "sem_otime", "Otime", "sem_ctime", "Ctime", "sem_nsems", "Nsems")),
        new("struct msqid_ds", typeof(MsqidDs), F("msg_perm", "Perm", "msg_stime", "Stime", "msg_rtime", "Rtime", "msg_ctime", "Ctime", "__msg_cbytes", "Cbytes",
            "msg_qnum", "Qnum", "msg_qbytes", "Qbytes", "msg_lspid", "Lspid", "msg_lrpid", "Lrpid")),
        new("struct shminfo", typeof(ShmInfoLimits), F("shmmax", "Shmmax", "shmmin", "Shmmin", "shmmni", "Shmmni", "shmseg", "Shmseg", "shmall", "Shmall")),
        new("struct shm_info", typeof(ShmInfoUsage), F("used_ids", "UsedIds", "shm_tot", "ShmTot", "shm_rss", "ShmRss", "shm_swp", "ShmSwp",
            "swap_attempts", "SwapAttempts", "swap_successes", "SwapSuccesses")),
        new("struct seminfo", typeof(SemInfo), F("semmap", "Semmap", "semmni", "Semmni", "semmns", "Semmns", "semmnu", "Semmnu", "semmsl", "Semmsl",
            "semopm", "Semopm", "semume", "Semume", "semusz", "Semusz", "semvmx", "Semvmx", "semaem", "Semaem")),
        new("struct msginfo", typeof(MsgInfo), F("msgpool", "Msgpool", "msgmap", "Msgmap", "msgmax", "Msgmax", "msgmnb", "Msgmnb", "msgmni", "Msgmni",
            "msgssz", "Msgssz", "msgtql", "Msgtql", "msgseg", "Msgseg")),
        new("struct sembuf", typeof(SemBuf), F("sem_num", "Num", "sem_op", "Op", "sem_flg", "Flg")),
        new("struct user_regs_struct", typeof(Registers), F("r15", "R15", "r14", "R14", "rbp", "Rbp", "rax", "Rax", "rdi", "Rdi", "orig_rax", "OrigRax",
            "rip", "Rip", "eflags", "Eflags", "rsp", "Rsp", "fs_base", "FsBase", "gs_base", "GsBase", "ds", "Ds", "gs", "Gs")),
        new("struct sigaction", typeof(SigAction), F("sa_handler", "Handler", "sa_flags", "Flags", "sa_restorer", "Restorer", "sa_mask", "Mask"), Kernel: true),
        new("stack_t", typeof(SigAltStack), F("ss_sp", "Sp", "ss_flags", "Flags", "ss_size", "Size"), Kernel: true),
        new("struct sigcontext", typeof(SigContext), F("r8", "R8", "r15", "R15", "rdi", "Rdi", "rip", "Rip", "eflags", "Eflags", "cs", "Cs", "gs", "Gs", "fs", "Fs",
            "ss", "Ss", "err", "Err", "trapno", "Trapno", "oldmask", "Oldmask", "cr2", "Cr2", "fpstate", "FpState", "reserved1", "R1"), Kernel: true),
        new("struct ucontext", typeof(UContext), F("uc_flags", "Flags", "uc_link", "Link", "uc_stack", "Stack", "uc_mcontext", "Mc", "uc_sigmask", "Mask"), Kernel: true),
    };

    const string UserHeaders = """
        #define _GNU_SOURCE
        #include <stddef.h>
        #include <stdio.h>
        #include <asm/termbits.h>
        #include <sys/ioctl.h>
        #include <sys/stat.h>
        #include <linux/stat.h>
        #include <sys/statfs.h>
        #include <fcntl.h>
        #include <poll.h>
        #include <sys/epoll.h>
        #include <sys/uio.h>
        #include <dirent.h>
        #include <time.h>
        #include <sys/time.h>
        #include <sys/times.h>
        #include <utime.h>
        #include <sys/resource.h>
        #include <sys/sysinfo.h>
        #include <sys/utsname.h>
        #include <signal.h>
        #include <sys/signalfd.h>
        #include <sys/user.h>
        #include <linux/sched.h>
        #include <linux/capability.h>
        #include <sys/ipc.h>
        #include <sys/shm.h>
        #include <sys/sem.h>
        #include <sys/msg.h>
        """;

    const string KernelHeaders = """
        #include <stddef.h>
        #include <stdio.h>
        #include <asm/signal.h>
        #include <asm/sigcontext.h>
        #include <asm/ucontext.h>
        """;

    /// <summary>Runs the C program for one header set; returns "name value" lines as a dictionary.</summary>
    static Dictionary<string, long> Measure(bool kernel)
    {
        var src = new StringBuilder(kernel ? KernelHeaders : UserHeaders).Append("\nint main(void) {\n");
        foreach (var l in Layouts.Where(l => l.Kernel == kernel))
        {
            src.Append($"  printf(\"%s %zu\\n\", \"{l.C}\", sizeof({l.C}));\n");
            foreach (var (c, _) in l.Fields)
                src.Append($"  printf(\"%s %zu\\n\", \"{l.C}.{c}\", offsetof({l.C}, {c}));\n");
        }
        src.Append("  return 0;\n}\n");
        return CompileAndRun(src.ToString()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ')).ToDictionary(p => string.Join(' ', p[..^1]), p => long.Parse(p[^1]));
    }

    /// <summary>Builds the C program with the host's gcc and runs it; its standard output.</summary>
    static string CompileAndRun(string src)
    {
        var dir = Directory.CreateTempSubdirectory("abi-");
        try
        {
            var c = Path.Combine(dir.FullName, "abi.c");
            var bin = Path.Combine(dir.FullName, "abi");
            File.WriteAllText(c, src);
            var cc = Run("gcc", "-o", bin, c);
            Assert.True(cc.Code == 0, $"gcc failed:\n{cc.Output}\n{src}");
            var run = Run(bin);
            Assert.Equal(0, run.Code);
            return run.Output;
        }
        finally { dir.Delete(true); }
    }

    static (int Code, string Output) Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output + err.Result);
    }

    static long ManagedSize(Type t) => (int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(t).Invoke(null, null)!;

    public static IEnumerable<object[]> Names() => Layouts.Select(l => new object[] { l.C });

    static readonly Lazy<Dictionary<string, long>> User = new(() => Measure(false)), Kernel = new(() => Measure(true));

    [Theory]
    [MemberData(nameof(Names))]
    public void Size_And_Offsets_Match_The_Host_Headers(string cName)
    {
        var l = Layouts.Single(x => x.C == cName);
        var c = (l.Kernel ? Kernel : User).Value;
        if (l.Cs == typeof(Dirent64Head))
            Assert.Equal(c["struct dirent64.d_type"] + 1, ManagedSize(l.Cs)); // d_name follows d_type
        else
        {
            Assert.Equal(c[l.C], ManagedSize(l.Cs));
            Assert.Equal(c[l.C], Marshal.SizeOf(l.Cs));
        }
        foreach (var (cf, csf) in l.Fields)
            Assert.True(c[$"{l.C}.{cf}"] == (long)Marshal.OffsetOf(l.Cs, csf),
                $"{l.C}.{cf} is at {c[$"{l.C}.{cf}"]} in C, {l.Cs.Name}.{csf} at {Marshal.OffsetOf(l.Cs, csf)}");
    }

    /// <summary>The XSAVE image's offsets, sizes and magics (one definition, <see cref="XSave"/>, for the signal
    /// frame, ptrace and both platforms) against asm/sigcontext.h.</summary>
    [Fact]
    public void XSaveLayout_Matches_The_Host_Headers()
    {
        var checks = new (string C, long Cs)[]
        {
            ("sizeof(struct _fpstate_64)", XSave.FxSaveSize),
            ("offsetof(struct _fpstate_64, mxcsr)", XSave.MxcsrAt),
            ("offsetof(struct _fpstate_64, sw_reserved)", XSave.SwBytesAt),
            ("sizeof(struct _fpx_sw_bytes)", XSave.SwBytesSize),
            ("offsetof(struct _fpstate_64, sw_reserved.magic1)", XSave.SwMagic1At),
            ("offsetof(struct _fpstate_64, sw_reserved.extended_size)", XSave.SwExtendedSizeAt),
            ("offsetof(struct _fpstate_64, sw_reserved.xfeatures)", XSave.SwXFeaturesAt),
            ("offsetof(struct _fpstate_64, sw_reserved.xstate_size)", XSave.SwXStateSizeAt),
            ("offsetof(struct _xstate, xstate_hdr)", XSave.HeaderAt),
            ("sizeof(struct _header)", XSave.HeaderSize),
            ("offsetof(struct _xstate, ymmh)", XSave.MinSize),
            ("FP_XSTATE_MAGIC1", XSave.Magic1),
            ("FP_XSTATE_MAGIC2", XSave.Magic2),
            ("FP_XSTATE_MAGIC2_SIZE", XSave.Magic2Size),
        };
        var src = new StringBuilder(KernelHeaders).Append("\nint main(void) {\n");
        foreach (var (c, _) in checks) src.Append($"  printf(\"%lld\\n\", (long long)({c}));\n");
        src.Append("  return 0;\n}\n");
        var values = CompileAndRun(src.ToString()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(long.Parse).ToArray();
        Assert.Equal(checks.Length, values.Length);
        for (int i = 0; i < checks.Length; i++)
            Assert.True(values[i] == checks[i].Cs, $"{checks[i].C} is {values[i]} in C, {checks[i].Cs} in XSave");
    }
}
