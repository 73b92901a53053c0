using System.Text;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Memory;

namespace AppKernel.Sentry.FileSystems.Proc;

/// <summary>The text of /proc/[pid]/{stat,statm,status,limits}, laid out as Linux 6.1 prints them.</summary>
public static class ProcPidFiles
{
    const ulong Page = MemoryManager.PageSize;
    /// <summary>USER_HZ: the unit of the times in stat.</summary>
    public const long ClockTicks = 100;
    /// <summary>41 capabilities (CAP_LAST_CAP = 40).</summary>

    /// <summary>What a task's address space holds, in bytes, computed from its VMAs.</summary>
    public readonly record struct MemUsage(ulong Total, ulong Peak, ulong RssAnon, ulong RssFile, ulong Data, ulong Stack,
        ulong Exe, ulong Lib, ulong PageTables, ulong Locked)
    {
        public ulong Rss => RssAnon + RssFile;
    }

    /// <summary>
    /// The task's memory as Linux's task_mem accounts it. Resident sizes are our best knowledge, since the
    /// Sentry does not see page faults: file mappings are copied in when mapped (resident); anonymous memory
    /// counts once it is writable and committed (heap, written data); of the stack, the part holding the
    /// initial arguments and environment.
    /// </summary>
    /// <summary>The memory of a live task, or null: exited, or still being forked (no memory manager yet).</summary>
    internal static MemoryManager? MmOf(Task p) => p.Exited ? null : p.MM;

    /// <summary>task/[tid]/children: the thread's children's pids as the reader's namespace numbers them, ascending,
    /// each followed by a space.</summary>
    internal static string Children(Task th, PidNamespace ns)
    {
        var ids = new List<int>();
        foreach (var c in th.ChildrenOfThread())
            if (ns.IdOf(c.Tid) is > 0 and var id) ids.Add(id);
        ids.Sort();
        return string.Concat(ids.Select(id => id + " "));
    }

    public static MemUsage Usage(Task p)
    {
        if (MmOf(p) is not { } mm) return default;
        ulong total = 0, rssAnon = 0, rssFile = 0, data = 0, stack = 0, execVm = 0, locked = 0;
        Vma[] vmas;
        ulong peakVm;
        lock (mm) // the owner may be mapping right now
        {
            vmas = mm.VmaSnapshot();
            peakVm = mm.PeakVm;
        }
        foreach (var v in vmas)
        {
            ulong len = v.Length;
            total += len;
            if (v.Lock != VmLock.None) locked += len;
            bool write = (v.Prot & Prot.Write) != 0, exec = (v.Prot & Prot.Exec) != 0;
            if (v.Name == "[stack]")
            {
                stack += len;
                if (mm.StartStack >= v.Start && mm.StartStack < v.End) rssAnon += (v.End - (mm.StartStack & ~(Page - 1)));
                continue;
            }
            if (write && !v.Shared) data += len;
            else if (exec && !write) execVm += len;
            if (v.File != null) rssFile += len;
            else if (v.Committed) rssAnon += len;
        }
        ulong exe = mm.EndCode > mm.StartCode ? ((mm.EndCode + Page - 1) & ~(Page - 1)) - (mm.StartCode & ~(Page - 1)) : 0;
        ulong lib = execVm > exe ? execVm - exe : 0;
        ulong peak = Math.Max(peakVm, total);
        // One page-table page maps 2 MB; a few upper-level pages besides.
        ulong pte = (total / (512 * Page) + 4) * Page;
        return new MemUsage(total, peak, rssAnon, rssFile, data, stack, exe, lib, pte, locked);
    }

    /// <summary>A task's state letter: sleeping only while it waits in the Sentry (Task.Sleep), so that a program
    /// that waits for another thread to block (its /proc state) knows the wait has begun; running otherwise.</summary>
    static char StateOf(Task reader, Task p) =>
        p.ExitNotified ? 'Z' : p.Exited ? 'R' : p == reader ? 'R' : p.PtraceStoppedNow ? 't' : p.Group.Stopped ? 'T' : p.Sleeping ? 'S' : 'R';

    static string StateName(char s) => s switch
    {
        'R' => "R (running)", 'S' => "S (sleeping)", 'T' => "T (stopped)", 't' => "t (tracing stop)", _ => "Z (zombie)",
    };

    static ulong SigBits(SignalState s, ulong handler, bool caught)
    {
        ulong bits = 0;
        for (int i = 1; i <= SignalState.NSig; i++)
        {
            ulong h = s.Actions[i].Handler;
            if (caught ? h > 1 : h == handler) bits |= 1UL << (i - 1);
        }
        return bits;
    }

    public static ulong Ignored(Task p) => SigBits(p.Signals, 1, false);
    public static ulong Caught(Task p) => SigBits(p.Signals, 0, true);

    static ulong StartTicks(Task p) => (ulong)(p.StartTime.Ticks / (TimeSpan.TicksPerSecond / ClockTicks));

    /// <summary>/proc/[pid]/stat: 52 fields (fs/proc/array.c do_task_stat).</summary>
    public static string Stat(Task reader, Task p, PidNamespace ns)
    {
        var u = Usage(p);
        var mm = MmOf(p);
        char state = StateOf(reader, p);
        ulong rsslim = p.Limits.Values[5].Cur;
        var sb = new StringBuilder(256);
        sb.Append(ns.IdOf(p.Tgid)).Append(" (").Append(p.Comm).Append(") ").Append(state);
        void F(object v) => sb.Append(' ').Append(v);
        F(ns.IdOf(p.Ppid)); F(ns.IdOf(p.Pgid)); F(ns.IdOf(p.Sid)); // ppid, pgrp, session
        F(0); F(-1);                                 // tty_nr, tpgid: no controlling terminal
        F(0x400000u);                                // flags: PF_RANDOMIZE
        F(0); F(0); F(0); F(0);                      // minflt cminflt majflt cmajflt
        F(0); F(0); F(0); F(0);                      // utime stime cutime cstime
        F(20 + p.Nice); F(p.Nice);                   // priority, nice
        F(1); F(0);                                  // num_threads, itrealvalue
        F(StartTicks(p));
        F(u.Total); F(u.Rss / Page); F(rsslim);
        F(mm?.StartCode ?? 0); F(mm?.EndCode ?? 0); F(mm?.StartStack ?? 0);
        F(0); F(0);                                  // kstkesp, kstkeip
        F(0);                                        // pending signals
        F(p.Signals.Mask & 0x7fffffff); F(Ignored(p) & 0x7fffffff); F(Caught(p) & 0x7fffffff);
        F(0); F(0); F(0);                            // wchan, nswap, cnswap
        F(17);                                       // exit_signal: SIGCHLD
        F(0); F(0); F(0);                            // processor, rt_priority, policy
        F(0); F(0); F(0);                            // delayacct_blkio_ticks, guest_time, cguest_time
        F(mm?.StartData ?? 0); F(mm?.EndData ?? 0); F(mm?.BrkStart ?? 0);
        F(mm?.ArgStart ?? 0); F(mm?.ArgEnd ?? 0); F(mm?.EnvStart ?? 0); F(mm?.EnvEnd ?? 0);
        F(p.Exited ? (p.TermSignal != 0 ? p.TermSignal : p.ExitCode << 8) : 0);
        sb.Append('\n');
        return sb.ToString();
    }

    /// <summary>/proc/[pid]/statm: size resident shared text lib data dt, in pages.</summary>
    public static string Statm(Task p)
    {
        var u = Usage(p);
        return $"{u.Total / Page} {u.Rss / Page} {u.RssFile / Page} {u.Exe / Page} 0 {(u.Data + u.Stack) / Page} 0\n";
    }

    static string Kb(string name, ulong bytes) => $"{name}:\t{bytes / 1024,8} kB\n";

    /// <summary>Linux's escaping of the name in status (ESCAPE_SPACE | ESCAPE_SPECIAL for "\n\\").</summary>
    static string EscapeName(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (char c in s)
            sb.Append(c switch
            {
                '\n' => "\\n", '\t' => "\\t", '\r' => "\\r", '\f' => "\\f", '\v' => "\\v", '\\' => "\\\\",
                _ => c.ToString(),
            });
        return sb.ToString();
    }

    static int FdSize(Task p)
    {
        int max = -1;
        foreach (var fd in p.Fds.OpenFds()) max = Math.Max(max, fd);
        int size = 64;
        while (size <= max) size *= 2;
        return size;
    }

    /// <summary>A CPU set as Linux's %*pb prints it: hex, in comma-separated groups of 32 bits, the top one as wide as
    /// the CPU count needs.</summary>
    public static string CpuMask(int cpus, ulong mask)
    {
        int groups = (cpus + 31) / 32;
        var parts = new List<string>();
        for (int g = groups - 1; g >= 0; g--)
        {
            int n = Math.Min(32, cpus - g * 32);
            uint bits = g < 2 ? (uint)(mask >> (32 * g)) : 0;
            if (n < 32) bits &= (1u << n) - 1;
            parts.Add(g == groups - 1 ? bits.ToString("x" + ((n + 3) / 4)) : bits.ToString("x8"));
        }
        return string.Join(",", parts);
    }

    /// <summary>A CPU set as a list of ranges ("0-1", "0,2-3").</summary>
    public static string CpuList(int cpus, ulong mask)
    {
        var parts = new List<string>();
        for (int i = 0; i < Math.Min(cpus, 64); i++)
        {
            if ((mask & (1UL << i)) == 0) continue;
            int j = i;
            while (j + 1 < Math.Min(cpus, 64) && (mask & (1UL << (j + 1))) != 0) j++;
            parts.Add(j > i ? $"{i}-{j}" : $"{i}");
            i = j;
        }
        return string.Join(",", parts);
    }

    /// <summary>A global id as each namespace from ns down to p's own sees it, each after a tab.</summary>
    static string NsIds(PidNamespace ns, Task p, int globalId)
    {
        var chain = new List<PidNamespace>();
        for (var n = p.PidNs; n != null; n = n.Parent)
        {
            chain.Add(n);
            if (n == ns) break;
        }
        var sb = new StringBuilder();
        for (int i = chain.Count - 1; i >= 0; i--) sb.Append('\t').Append(chain[i].IdOf(globalId));
        return sb.ToString();
    }

    /// <summary>/proc/[pid]/status (fs/proc/array.c proc_pid_status).</summary>
    public static string Status(Task reader, Task p, PidNamespace ns)
    {
        var c = p.Creds;
        var u = Usage(p);
        var sb = new StringBuilder(1400);
        sb.Append($"Name:\t{EscapeName(p.Comm)}\n");
        sb.Append($"Umask:\t{Convert.ToString(p.Fs.Umask, 8).PadLeft(4, '0')}\n");
        sb.Append($"State:\t{StateName(StateOf(reader, p))}\n");
        sb.Append($"Tgid:\t{ns.IdOf(p.Tgid)}\nNgid:\t0\nPid:\t{ns.IdOf(p.Tid)}\nPPid:\t{ns.IdOf(p.Ppid)}\nTracerPid:\t{ns.IdOf(p.TracerPid)}\n");
        var uns = reader.Creds.UserNs; // ids as the reader's namespace sees them
        sb.Append($"Uid:\t{uns.UidToUser(c.Uid)}\t{uns.UidToUser(c.Euid)}\t{uns.UidToUser(c.Suid)}\t{uns.UidToUser(c.Fsuid)}\n");
        sb.Append($"Gid:\t{uns.GidToUser(c.Gid)}\t{uns.GidToUser(c.Egid)}\t{uns.GidToUser(c.Sgid)}\t{uns.GidToUser(c.Fsgid)}\n");
        sb.Append($"FDSize:\t{FdSize(p)}\n");
        sb.Append("Groups:\t");
        for (int i = 0; i < c.Groups.Length; i++) sb.Append(i > 0 ? " " : "").Append(uns.GidToUser(c.Groups[i]));
        sb.Append(" \n");
        // Each id in every namespace from this proc's down to the task's own (Linux's proc_pid_status).
        sb.Append($"NStgid:{NsIds(ns, p, p.Tgid)}\nNSpid:{NsIds(ns, p, p.Tid)}\nNSpgid:{NsIds(ns, p, p.Pgid)}\nNSsid:{NsIds(ns, p, p.Sid)}\n");
        if (!p.Exited)
        {
            sb.Append(Kb("VmPeak", u.Peak)).Append(Kb("VmSize", u.Total)).Append(Kb("VmLck", u.Locked)).Append(Kb("VmPin", 0));
            sb.Append(Kb("VmHWM", u.Rss)).Append(Kb("VmRSS", u.Rss)).Append(Kb("RssAnon", u.RssAnon)).Append(Kb("RssFile", u.RssFile));
            sb.Append(Kb("RssShmem", 0)).Append(Kb("VmData", u.Data)).Append(Kb("VmStk", u.Stack)).Append(Kb("VmExe", u.Exe));
            sb.Append(Kb("VmLib", u.Lib)).Append(Kb("VmPTE", u.PageTables)).Append(Kb("VmSwap", 0));
            sb.Append("HugetlbPages:\t       0 kB\n");
        }
        sb.Append("CoreDumping:\t0\n");
        sb.Append("THP_enabled:\t1\n");
        sb.Append("Threads:\t1\n");
        sb.Append($"SigQ:\t0/{p.Limits.Values[11].Cur}\n");
        sb.Append("SigPnd:\t0000000000000000\nShdPnd:\t0000000000000000\n");
        sb.Append($"SigBlk:\t{p.Signals.Mask:x16}\nSigIgn:\t{Ignored(p):x16}\nSigCgt:\t{Caught(p):x16}\n");
        sb.Append($"CapInh:\t{c.CapInheritable:x16}\nCapPrm:\t{c.CapPermitted:x16}\nCapEff:\t{c.CapEffective:x16}\nCapBnd:\t{c.CapBounding:x16}\nCapAmb:\t{c.CapAmbient:x16}\n");
        sb.Append($"NoNewPrivs:\t{(p.NoNewPrivs ? 1 : 0)}\n");
        var sc = p.Seccomp;
        sb.Append($"Seccomp:\t{Kernel.Seccomp.SeccompState.ModeOf(sc)}\nSeccomp_filters:\t{sc?.Count ?? 0}\n");
        sb.Append("Speculation_Store_Bypass:\tthread vulnerable\nSpeculationIndirectBranch:\tconditional enabled\n");
        int cpus = SystemInfo.Cpus;
        sb.Append($"Cpus_allowed:\t{CpuMask(cpus, p.Affinity)}\nCpus_allowed_list:\t{CpuList(cpus, p.Affinity)}\n");
        sb.Append("Mems_allowed:\t00000000,00000001\nMems_allowed_list:\t0\n");
        sb.Append("voluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n");
        return sb.ToString();
    }

    static readonly (string Name, string? Unit)[] LimitNames =
    {
        ("Max cpu time", "seconds"), ("Max file size", "bytes"), ("Max data size", "bytes"), ("Max stack size", "bytes"),
        ("Max core file size", "bytes"), ("Max resident set", "bytes"), ("Max processes", "processes"),
        ("Max open files", "files"), ("Max locked memory", "bytes"), ("Max address space", "bytes"),
        ("Max file locks", "locks"), ("Max pending signals", "signals"), ("Max msgqueue size", "bytes"),
        ("Max nice priority", null), ("Max realtime priority", null), ("Max realtime timeout", "us"),
    };

    /// <summary>/proc/[pid]/limits (fs/proc/base.c proc_pid_limits).</summary>
    public static string Limits(Task p)
    {
        static string V(ulong v) => v == RLimits.Infinity ? "unlimited" : v.ToString();
        var sb = new StringBuilder();
        sb.Append($"{"Limit",-25} {"Soft Limit",-20} {"Hard Limit",-20} {"Units",-10}\n");
        for (int i = 0; i < LimitNames.Length && i < RLimits.Count; i++)
        {
            var (cur, max) = p.Limits.Values[i];
            sb.Append($"{LimitNames[i].Name,-25} {V(cur),-20} {V(max),-20} ");
            sb.Append(LimitNames[i].Unit is { } unit ? $"{unit,-10}\n" : "\n");
        }
        return sb.ToString();
    }
}
