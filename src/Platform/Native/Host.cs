using System.Runtime.InteropServices;

namespace AppKernel.Platform.Native;

/// <summary>Host calls that Tmds.LibC lacks. Every call returns -1 and sets errno on failure.</summary>
public static unsafe partial class Host
{
    const string Libc = "libc";

    [LibraryImport(Libc, SetLastError = true)]
    public static partial long ptrace(long request, int pid, nint addr, nint data);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int waitpid(int pid, int* status, int options);

    /// <summary>Reaps a killed child, traced or not (any of our threads may): its ptrace stops are passed over.</summary>
    public static void Reap(int pid)
    {
        int status;
        while (waitpid(pid, &status, 0x40000000 /* __WALL */) > 0 && (status & 0xff) == 0x7f) { }
    }

    [LibraryImport(Libc, SetLastError = true)]
    public static partial nint process_vm_readv(int pid, IoVec* local, ulong liovcnt, IoVec* remote, ulong riovcnt, ulong flags);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial nint process_vm_writev(int pid, IoVec* local, ulong liovcnt, IoVec* remote, ulong riovcnt, ulong flags);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int clock_gettime(int clock, Timespec* ts);

    /// <summary>The CPU the calling thread runs on (glibc reads it from the thread's rseq area: no syscall).</summary>
    [LibraryImport(Libc)]
    public static partial int sched_getcpu();

    [LibraryImport(Libc, SetLastError = true)]
    public static partial long syscall(long nr, long a1, long a2, long a3);

    /// <summary>For calls with a fourth argument (pidfd_send_signal's flags): the three-argument form leaves r10 unset.</summary>
    [LibraryImport(Libc, EntryPoint = "syscall", SetLastError = true)]
    public static partial long syscall4(long nr, long a1, long a2, long a3, long a4);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int prctl(int option, ulong a2, ulong a3, ulong a4, ulong a5);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int getrlimit(int resource, RLimit* rlim);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int setrlimit(int resource, RLimit* rlim);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int nanosleep(Timespec* req, Timespec* rem);

    // posix_spawn and friends: glibc implements them with vfork+exec, no managed code runs in the child.
    [LibraryImport(Libc)]
    public static partial int posix_spawn(int* pid, byte* path, void* fileActions, void* attr, byte** argv, byte** envp);
    [LibraryImport(Libc)]
    public static partial int posix_spawnattr_init(void* attr);
    [LibraryImport(Libc)]
    public static partial int posix_spawnattr_destroy(void* attr);
    [LibraryImport(Libc)]
    public static partial int posix_spawnattr_setflags(void* attr, short flags);
    [LibraryImport(Libc)]
    public static partial int posix_spawnattr_setsigmask(void* attr, ulong* mask);
    [LibraryImport(Libc)]
    public static partial int posix_spawnattr_setsigdefault(void* attr, ulong* mask);
    [LibraryImport(Libc)]
    public static partial int posix_spawn_file_actions_init(void* fa);
    [LibraryImport(Libc)]
    public static partial int posix_spawn_file_actions_destroy(void* fa);
    [LibraryImport(Libc)]
    public static partial int posix_spawn_file_actions_adddup2(void* fa, int fd, int newfd);
    [LibraryImport(Libc)]
    public static partial int posix_spawn_file_actions_addclose(void* fa, int fd);
    [LibraryImport(Libc)]
    public static partial int posix_spawn_file_actions_addclosefrom_np(void* fa, int from);

    public static int Errno => Marshal.GetLastPInvokeError();

    public const int SYS_getdents64 = 217;
    public const int SYS_getrandom = 318;

    /// <summary>Fills buf from the host's getrandom(2). (RandomNumberGenerator would load OpenSSL: 3 MB of RSS.)</summary>
    public static void GetRandom(Span<byte> buf)
    {
        fixed (byte* p = buf)
        {
            int done = 0;
            while (done < buf.Length)
            {
                long n = syscall(SYS_getrandom, (long)(p + done), buf.Length - done, 0);
                if (n < 0 && Errno == (int)AppKernel.Errno.EINTR) continue;
                if (n <= 0) throw new IOException($"getrandom failed: errno {Errno}");
                done += (int)n;
            }
        }
    }

    /// <summary>A small /proc file's text ("" when it cannot be read: the process or thread is gone), in one open,
    /// read and close. File.ReadAllText adds an fstat, a flock, a second read and an unlock, and the Sentry reads a
    /// stub thread's stat files at every guest thread's exit.</summary>
    public static string ReadProcFile(string path)
    {
        const int Max = 8192;
        Span<byte> name = stackalloc byte[System.Text.Encoding.UTF8.GetMaxByteCount(path.Length) + 1];
        name[System.Text.Encoding.UTF8.GetBytes(path, name)] = 0;
        int fd;
        fixed (byte* p = name) fd = Tmds.Linux.LibC.open(p, Tmds.Linux.LibC.O_RDONLY | Tmds.Linux.LibC.O_CLOEXEC);
        if (fd < 0) return "";
        Span<byte> buf = stackalloc byte[Max];
        int total = 0;
        try
        {
            fixed (byte* b = buf)
                while (total < Max)
                {
                    int want = Max - total;
                    long n = Tmds.Linux.LibC.read(fd, b + total, want);
                    if (n <= 0) break;
                    total += (int)n;
                    if (n < want) break; // a short read of a /proc file is its end: no second read for the 0
                }
        }
        finally { Tmds.Linux.LibC.close(fd); }
        return System.Text.Encoding.UTF8.GetString(buf[..total]);
    }
}
