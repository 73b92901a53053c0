using System.CommandLine;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using AppKernel.Platform.Confinement;
using static Tmds.Linux.LibC;

namespace AppKernel.Runsc.Commands;

/// <summary>
/// Hidden `runsc confine-check`: confines this very process the way the gofer will (jail, capabilities,
/// seccomp) and then probes what it can still do, one line per check: "NAME: ok ..." or "NAME: FAIL ...".
/// Used by tests/Platform/ConfinementTests.cs; `--threads` prints the thread measurements behind
/// <see cref="ProcessThreads"/>.
/// </summary>
public static partial class ConfineCheckCommand
{
    static readonly Option<string?> Root = new("--root") { Description = "directory to pivot into; it must hold confine-check.txt" };
    static readonly Option<string?> Outside = new("--outside") { Description = "a host file outside the root that must become invisible" };
    static readonly Option<string> Default = new("--default") { Description = "seccomp default action: errno (EPERM) or kill", DefaultValueFactory = _ => "policy" };
    static readonly Option<bool> NoSeccomp = new("--no-seccomp") { Description = "skip the seccomp filter (to list syscalls with strace)" };
    static readonly Option<bool> NoRecursive = new("--no-recursive") { Description = "bind only the root's own mount, not the mounts below it" };
    static readonly Option<bool> Busy = new("--busy") { Description = "start a thread before confining (confinement must refuse)" };
    static readonly Option<bool> Threads = new("--threads") { Description = "report this process's threads and what unshare(CLONE_NEWNS) does with them" };
    static readonly Option<bool> Sentry = new("--sentry") { Description = "confine as the Sentry (SentryJail and SentryPolicy) instead of the gofer" };

    public const string InsideFile = "confine-check.txt";

    public static Command Create()
    {
        var cmd = new Command("confine-check", "Confine this process like the gofer and probe the result (tests).")
        {
            Root, Outside, Default, NoSeccomp, NoRecursive, Busy, Threads, Sentry,
        };
        cmd.Hidden = true;
        cmd.SetAction(parse => parse.GetValue(Sentry) ? RunSentry() : parse.GetValue(Threads) ? ReportThreads()
            : Run(parse.GetValue(Root), parse.GetValue(Outside), parse.GetValue(Default)!, parse.GetValue(NoSeccomp), parse.GetValue(Busy),
                new MountJailOptions { Recursive = !parse.GetValue(NoRecursive) }));
        return cmd;
    }

    static unsafe int Run(string? root, string? outside, string defaultAction, bool noSeccomp, bool busy, MountJailOptions jail)
    {
        if (root == null)
        {
            Console.Error.WriteLine("confine-check: --root DIR is required");
            return 2;
        }
        root = Path.GetFullPath(root);
        // Nothing may start a thread before confinement (not even Console): collect the lines, print them at the end.
        var lines = new List<string>();
        var stop = new ManualResetEventSlim();
        if (busy) new Thread(() => stop.Wait()) { IsBackground = true }.Start();
        int threadsAtStart = ProcessThreads.Count();
        lines.Add($"threads-at-start: {threadsAtStart}");

        // What the jail must keep working: a connected socket made before confinement (the gofer gets its
        // connection the same way) and the status file for thread counts.
        int* sv = stackalloc int[2];
        bool havePair = socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0;

        var e = MountJail.PivotInto(root, jail, out string detail);
        lines.Add(e == Errno.None ? "pivot: ok" : $"pivot: FAIL {e} {detail}");
        if (e != Errno.None) return Print(lines, 1);

        e = Capabilities.DropAllExcept(out detail, Capabilities.Gofer);
        lines.Add(e == Errno.None ? "drop-caps: ok" : $"drop-caps: FAIL {e} {detail}");
        if (e != Errno.None) return Print(lines, 1);

        var mode = ProbeMode.NoSeccomp;
        if (!noSeccomp)
        {
            uint action = defaultAction switch
            {
                "kill" => SeccompAction.KillProcess,
                "errno" => SeccompAction.Errno(Errno.EPERM),
                _ => GoferPolicy.DefaultAction,
            };
            var filter = GoferPolicy.Create(action);
            e = filter.Install(out detail);
            lines.Add(e == Errno.None ? $"seccomp: ok default={SeccompAction.Describe(action)} instructions={filter.Build().Length}" : $"seccomp: FAIL {e} {detail}");
            if (e != Errno.None) return Print(lines, 1);
            mode = action == SeccompAction.KillProcess ? ProbeMode.Kill : ProbeMode.Errno;
        }

        // Probes on the main thread, the finalizer thread (present before Main) and a thread started now.
        ulong goferCaps = Capabilities.Mask(Capabilities.Gofer);
        Probe(lines, "main", goferCaps, outside, mode);
        var finLines = new List<string>();
        ProcessThreads.RunOnFinalizerThread(() => { Probe(finLines, "finalizer", goferCaps, outside, mode); return Errno.None; }, out _);
        lines.AddRange(finLines);
        var threadLines = new List<string>();
        var t = new Thread(() => Probe(threadLines, "new-thread", goferCaps, outside, mode));
        t.Start();
        t.Join();
        lines.AddRange(threadLines);
        lines.Add(Check("threadpool-read-inside", Task.Run(() => File.ReadAllText("/" + InsideFile)).Result.Length > 0, ""));

        lines.Add($"seccomp-status: {StatusField("Seccomp")} nnp={StatusField("NoNewPrivs")}");
        Workload(lines, havePair ? sv[0] : -1, havePair ? sv[1] : -1);
        lines.Add($"threads-at-end: {ProcessThreads.Count()}");
        Print(lines, 0);
        if (mode == ProbeMode.Kill)
        {
            // The default action kills the whole process: the test expects death by SIGSYS right here.
            Console.WriteLine("kill-probe: calling ptrace");
            Console.Out.Flush();
            ptrace(0 /* PTRACE_TRACEME */, 0, null, null);
            Console.WriteLine("kill-probe: FAIL survived");
            return 1;
        }
        return 0;
    }

    static int Print(List<string> lines, int code)
    {
        foreach (var l in lines) Console.WriteLine(l);
        Console.Out.Flush();
        return code;
    }

    static string Check(string name, bool ok, string what) => $"{name}: {(ok ? "ok" : "FAIL")}{(what.Length > 0 ? " " + what : "")}";

    /// <summary>What this thread can see and do.</summary>
    enum ProbeMode { NoSeccomp, Errno, Kill }

    static unsafe void Probe(List<string> lines, string who, ulong goferCaps, string? outside, ProbeMode mode)
    {
        string inside = ReadFile("/" + InsideFile, out var err);
        lines.Add(Check($"{who}-read-inside", err == Errno.None, err == Errno.None ? $"content={inside.Trim()}" : err.ToString()));
        ReadFile("/etc/hostname", out err);
        lines.Add(Check($"{who}-host-etc-hostname-hidden", err == Errno.ENOENT, err.ToString()));
        if (outside != null)
        {
            ReadFile(outside, out err);
            lines.Add(Check($"{who}-host-outside-hidden", err == Errno.ENOENT, err.ToString()));
        }
        ReadFile("/proc/self/status", out err);
        lines.Add(Check($"{who}-proc-hidden", err == Errno.ENOENT, err.ToString()));
        // ".." at the root stays at the root.
        ReadFile("/../../" + InsideFile, out err);
        lines.Add(Check($"{who}-dotdot-stays", err == Errno.None, err.ToString()));

        Capabilities.Current(out var sets);
        lines.Add(Check($"{who}-caps", sets.Effective == goferCaps && sets.Permitted == goferCaps && sets.Bounding == goferCaps && sets.NoNewPrivs, sets.ToString()));

        // Forbidden: mount and unshare by seccomp (EPERM) and, without CAP_SYS_ADMIN, by the kernel too; ptrace
        // (PTRACE_TRACEME needs no capability) by seccomp alone. Under a killing filter any of them ends the process.
        if (mode == ProbeMode.Kill) return;
        int r;
        fixed (byte* tmpfs = "tmpfs\0"u8)
        fixed (byte* slash = "/\0"u8)
            r = mount(tmpfs, slash, tmpfs, 0, null);
        var mountErr = r == 0 ? Errno.None : (Errno)Marshal.GetLastPInvokeError();
        lines.Add(Check($"{who}-mount-denied", mountErr == Errno.EPERM, mountErr.ToString()));
        if (mode == ProbeMode.Errno)
        {
            long pr = ptrace(0 /* PTRACE_TRACEME */, 0, null, null);
            var ptraceErr = pr == 0 ? Errno.None : (Errno)Marshal.GetLastPInvokeError();
            lines.Add(Check($"{who}-ptrace-denied", ptraceErr == Errno.EPERM, ptraceErr.ToString()));
        }
        r = unshare(0x00020000 /* CLONE_NEWNS */);
        var unshareErr = r == 0 ? Errno.None : (Errno)Marshal.GetLastPInvokeError();
        lines.Add(Check($"{who}-unshare-denied", unshareErr == Errno.EPERM, unshareErr.ToString()));
    }

    /// <summary>`--sentry`: the Sentry's confinement, then what it must still do (read /proc, make threads, make a
    /// Unix socket) and what it must not (mount, unshare, setns by way of a new namespace, an IP socket, the host's
    /// files), on the main thread and on a thread started after.</summary>
    static unsafe int RunSentry()
    {
        var lines = new List<string>();
        try
        {
            Runtime.SentryJail.Enter(null);
            Runtime.SentryJail.InstallFilter();
            lines.Add("confine: ok");
        }
        catch (Runtime.RuntimeException e)
        {
            lines.Add($"confine: FAIL {e.Message}");
            return Print(lines, 1);
        }
        void Probe(string who)
        {
            Errno Last(long r) => r >= 0 ? Errno.None : (Errno)Marshal.GetLastPInvokeError();
            lines.Add(Check($"{who}-status", StatusField("Seccomp") == "2" && StatusField("CapEff") == "0000000000000000" && StatusField("NoNewPrivs") == "1",
                $"seccomp={StatusField("Seccomp")} capeff={StatusField("CapEff")}"));
            ReadFile("/etc/hostname", out var err);
            lines.Add(Check($"{who}-host-files-hidden", err == Errno.ENOENT, err.ToString()));
            Errno e;
            fixed (byte* tmpfs = "tmpfs\0"u8)
            fixed (byte* dev = "/dev\0"u8)
                e = Last(mount(tmpfs, dev, tmpfs, 0, null));
            lines.Add(Check($"{who}-mount-denied", e == Errno.EPERM, e.ToString()));
            e = Last(unshare(0x00020000 /* CLONE_NEWNS */));
            lines.Add(Check($"{who}-unshare-denied", e == Errno.EPERM, e.ToString()));
            int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            e = Last(fd);
            if (fd >= 0) close(fd);
            lines.Add(Check($"{who}-inet-socket-denied", e == Errno.EAFNOSUPPORT, e.ToString()));
            // add_key needs no privilege (natively a NULL type is EFAULT): only the filter refuses it.
            e = Last(AppKernel.Platform.Native.Host.syscall(248 /* add_key */, 0, 0, 0));
            lines.Add(Check($"{who}-add-key-denied", e == Errno.EPERM, e.ToString()));
            fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
            lines.Add(Check($"{who}-unix-socket", fd >= 0, fd >= 0 ? "" : Last(fd).ToString()));
            if (fd >= 0) close(fd);
        }
        Probe("main");
        var t = new Thread(() => Probe("new-thread"));
        t.Start();
        t.Join();
        return Print(lines, lines.Any(l => l.Contains(": FAIL")) ? 1 : 0);
    }

    /// <summary>What a file server does, run after confinement: the filter must let all of it through.</summary>
    static void Workload(List<string> lines, int sockA, int sockB)
    {
        var ok = new List<string>();
        var failed = new List<string>();
        void Step(string name, Action a)
        {
            try { a(); ok.Add(name); }
            catch (Exception ex) { failed.Add($"{name}({ex.GetType().Name}: {ex.Message})"); }
        }
        Step("alloc-gc", () =>
        {
            var keep = new List<byte[]>();
            for (int i = 0; i < 20_000; i++) keep.Add(new byte[i % 1000 + 1]);
            for (int i = 0; i < 20; i++) keep.Add(new byte[200_000]);   // large object heap
            GC.Collect();
            GC.Collect(2, GCCollectionMode.Forced, blocking: false);
            GC.WaitForPendingFinalizers();
            GC.KeepAlive(keep);
        });
        Step("threads", () =>
        {
            var ts = Enumerable.Range(0, 4).Select(i => new Thread(() => { Thread.Sleep(5); _ = new string('x', 1000); })).ToList();
            ts.ForEach(x => x.Start());
            ts.ForEach(x => x.Join());
        });
        Step("tasks", () =>
        {
            var tasks = Enumerable.Range(0, 16).Select(i => Task.Run(async () => { await Task.Delay(5); return i * 2; })).ToArray();
            Task.WaitAll(tasks);
            Parallel.For(0, 64, i => { _ = i.ToString(); });
        });
        Step("locks", () =>
        {
            var m = new object();
            bool flag = false;
            var waiter = new Thread(() => { lock (m) { while (!flag) Monitor.Wait(m); } });
            waiter.Start();
            lock (m) { flag = true; Monitor.PulseAll(m); }
            waiter.Join();
            using var sem = new SemaphoreSlim(0);
            Task.Run(() => sem.Release());
            sem.Wait();
        });
        Step("time", () =>
        {
            _ = DateTime.UtcNow;
            _ = System.Diagnostics.Stopwatch.GetTimestamp();
            _ = Environment.TickCount64;
            Thread.Sleep(1);
        });
        Step("exceptions", () =>
        {
            try { throw new InvalidOperationException("probe"); } catch (InvalidOperationException) { }
        });
        Step("files", () =>
        {
            Directory.CreateDirectory("/work-dir");
            File.WriteAllText("/work-dir/a.txt", "hello");
            if (File.ReadAllText("/work-dir/a.txt") != "hello") throw new IOException("read back");
            File.Move("/work-dir/a.txt", "/work-dir/b.txt");
            File.CreateSymbolicLink("/work-dir/link", "b.txt");
            _ = new FileInfo("/work-dir/link").LinkTarget;
            _ = Directory.GetFileSystemEntries("/work-dir");
            File.SetUnixFileMode("/work-dir/b.txt", UnixFileMode.UserRead | UnixFileMode.UserWrite);
            using (var fs = new FileStream("/work-dir/b.txt", FileMode.Open)) { fs.SetLength(2); fs.Flush(true); }
            _ = File.GetLastWriteTimeUtc("/work-dir/b.txt");
            File.SetLastWriteTimeUtc("/work-dir/b.txt", DateTime.UtcNow);
            File.Delete("/work-dir/link");
            File.Delete("/work-dir/b.txt");
            Directory.Delete("/work-dir");
        });
        if (sockA >= 0)
            Step("socket", () =>
            {
                using var a = new Socket(new SafeSocketHandle((nint)sockA, true));
                using var b = new Socket(new SafeSocketHandle((nint)sockB, true));
                a.Send("ping"u8);
                var buf = new byte[16];
                int n = b.Receive(buf);
                if (Encoding.ASCII.GetString(buf, 0, n) != "ping") throw new IOException("bad data");
                var rt = Task.Run(() => a.Receive(buf));
                b.Send("pong"u8);
                rt.Wait();
            });
        Step("console", () => Console.Error.Write(""));
        lines.Add(failed.Count == 0 ? $"workload: ok {string.Join(',', ok)}" : $"workload: FAIL {string.Join(' ', failed)}");
    }

    static unsafe string ReadFile(string path, out Errno err)
    {
        byte[] name = Encoding.UTF8.GetBytes(path + "\0");
        int fd;
        fixed (byte* p = name) fd = open(p, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
        {
            err = (Errno)Marshal.GetLastPInvokeError();
            return "";
        }
        var buf = new byte[4096];
        long n;
        fixed (byte* b = buf) n = (long)read(fd, b, buf.Length);
        close(fd);
        err = n < 0 ? Errno.EIO : Errno.None;
        return n > 0 ? Encoding.UTF8.GetString(buf, 0, (int)n) : "";
    }

    static string StatusField(string name)
    {
        foreach (var line in ProcessThreads.Status().Split('\n'))
            if (line.StartsWith(name + ":", StringComparison.Ordinal)) return line[(name.Length + 1)..].Trim();
        return "?";
    }

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int mount(byte* source, byte* target, byte* fstype, ulong flags, void* data);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial long ptrace(long request, int pid, void* addr, void* data);

    /// <summary>The measurements: how many threads at the command action, after GC and tasks, and which of them
    /// unshare(CLONE_NEWNS) moves.</summary>
    static int ReportThreads()
    {
        Console.WriteLine($"threads-at-action {ProcessThreads.Count()} single={ProcessThreads.IsSingleThreaded()} [{string.Join(' ', ProcessThreads.Describe())}]");
        var list = new List<byte[]>();
        for (int i = 0; i < 200_000; i++) list.Add(new byte[100]);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Console.WriteLine($"threads-after-gc {ProcessThreads.Count()} [{string.Join(' ', ProcessThreads.Describe())}]");
        Task.WaitAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => Thread.Sleep(50))).ToArray());
        Console.WriteLine($"threads-after-tasks {ProcessThreads.Count()} [{string.Join(' ', ProcessThreads.Describe())}]");
        int r = unshare(0x00020000 /* CLONE_NEWNS */);
        Console.WriteLine($"unshare(CLONE_NEWNS) with {ProcessThreads.Count()} threads -> {r} {(r < 0 ? ((Errno)Marshal.GetLastPInvokeError()).ToString() : "")}");
        foreach (var t in ProcessThreads.Describe())
        {
            string tid = t.Split(':')[0];
            Console.WriteLine($"  {t} mnt={new FileInfo($"/proc/self/task/{tid}/ns/mnt").LinkTarget}");
        }
        return 0;
    }
}
