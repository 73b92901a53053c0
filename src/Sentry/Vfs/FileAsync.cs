using AppKernel.Sentry.Kernel;

namespace AppKernel.Sentry.Vfs;

/// <summary>
/// An open file's signal owner (Linux's fown_struct): who F_SETOWN/F_SETOWN_EX named (a thread, a process or a
/// process group), with the setter's ids for the permission check, and F_SETSIG's signal. SIGIO goes there.
/// </summary>
public sealed class FileAsync
{
    public const int F_OWNER_TID = 0, F_OWNER_PID = 1, F_OWNER_PGRP = 2;
    // si_code reasons for SIGIO (POLL_IN ... POLL_HUP) and the poll bits Linux reports with each (its band_table).
    public const int POLL_IN = 1, POLL_OUT = 2, POLL_MSG = 3, POLL_ERR = 4, POLL_PRI = 5, POLL_HUP = 6;
    static readonly long[] Bands = { 0x41, 0x304, 0x441, 0x8, 0x82, 0x18 };

    public int OwnerType;
    public int OwnerId;
    public uint Uid, Euid;
    /// <summary>F_SETSIG: 0 sends plain SIGIO; another signal is queued with si_fd and si_band.</summary>
    public int Signal;

    /// <summary>The file's owner state, made on first use (most files never have one).</summary>
    public static FileAsync Of(FileDescription f)
    {
        if (f.Async == null) Interlocked.CompareExchange(ref f.Async, new FileAsync(), null);
        return f.Async;
    }

    /// <summary>The setter's process and Landlock domain: its signal scope holds for the signals the file sends.</summary>
    int _setterTgid;
    Kernel.Landlock.LandlockDomain? _setterDomain;

    /// <summary>Names the owner (0: none), keeping the setter's ids (and Landlock domain) for the checks at send time.</summary>
    public void SetOwner(int type, int id, Task setter)
    {
        OwnerType = type;
        OwnerId = id;
        Uid = setter.Creds.Uid;
        Euid = setter.Creds.Euid;
        _setterTgid = setter.Tgid;
        _setterDomain = setter.Landlock;
    }

    /// <summary>Linux's send_sigio: the owner's signal to each task it names that the setter may signal.</summary>
    public static void SendSigio(Kernel.Kernel k, FileDescription f, int fd, int reason)
    {
        if (f.Async is not { OwnerId: > 0 } a) return;
        var targets = a.OwnerType == F_OWNER_PGRP
            ? k.Tasks().FindAll(p => !p.Zombie && p.Tid == p.Tgid && p.Pgid == a.OwnerId)
            : k.FindTask(a.OwnerId) is { Zombie: false } found && (a.OwnerType == F_OWNER_TID || found.Tid == found.Tgid)
                ? new List<Task> { found } : new List<Task>();
        foreach (var p in targets)
        {
            var c = p.Creds;
            if (!(a.Euid == 0 || a.Euid == c.Suid || a.Euid == c.Uid || a.Uid == c.Suid || a.Uid == c.Uid)) continue;
            if (!Kernel.Landlock.LandlockChecks.MaySignal(a._setterDomain, a._setterTgid, p)) continue;
            int sig = a.Signal;
            byte[] info = sig == 0
                ? Task.UserInfo(Task.SIGIO, Task.SI_KERNEL, 0, 0)
                // A signal with its own si_codes other than SIGIO's gets SI_SIGIO, so the codes cannot be confused.
                : new SigInfo { Signo = sig, Code = sig != Task.SIGIO && HasOwnCodes(sig) ? Task.SI_SIGIO : reason,
                    Band = Bands[reason - POLL_IN], Fd = fd }.ToArray();
            p.SendSignal(sig == 0 ? Task.SIGIO : sig, info, shared: a.OwnerType != F_OWNER_TID);
        }
    }

    /// <summary>Sets or clears O_ASYNC (F_SETFL, FIOASYNC); a change registers or unregisters the file with what
    /// signals it (Linux calls f_op->fasync only when the flag changes, so the fd recorded is the one that set it).</summary>
    public static void SetFlag(Task t, FileDescription f, int fd, bool on)
    {
        lock (f)
        {
            bool was = (f.Flags & OpenFlags.O_ASYNC) != 0;
            f.Flags = on ? f.Flags | OpenFlags.O_ASYNC : f.Flags & ~OpenFlags.O_ASYNC;
            if (was != on) f.SetAsync(on ? fd : -1, t.Kernel, on);
        }
    }

    static bool HasOwnCodes(int sig) => sig is Task.SIGILL or Task.SIGFPE or Task.SIGSEGV or Task.SIGBUS or Task.SIGTRAP
        or Task.SIGCHLD or Task.SIGIO or Task.SIGSYS;
}

/// <summary>
/// Linux's fasync list: the open files that asked (O_ASYNC) for SIGIO from one object — a pipe's readers or
/// writers, a terminal — each with the fd it asked through (si_fd), which stays even if that fd is closed.
/// </summary>
public sealed class FasyncList
{
    readonly List<(FileDescription File, int Fd, Kernel.Kernel Kernel)> _entries = new();

    /// <summary>Linux's fasync_helper: on adds the file (or, already there, takes the new fd), off removes it.</summary>
    public void Set(FileDescription f, int fd, Kernel.Kernel k, bool on)
    {
        lock (_entries)
        {
            int i = _entries.FindIndex(e => e.File == f);
            if (!on) { if (i >= 0) _entries.RemoveAt(i); }
            else if (i >= 0) _entries[i] = (f, fd, k);
            else _entries.Add((f, fd, k));
        }
    }

    public bool HasEntries
    {
        get { lock (_entries) return _entries.Count > 0; }
    }

    /// <summary>Linux's kill_fasync: each file's owner gets its signal. Called outside the object's own lock.</summary>
    public void Kill(int reason)
    {
        (FileDescription File, int Fd, Kernel.Kernel Kernel)[] now;
        lock (_entries)
        {
            if (_entries.Count == 0) return;
            now = _entries.ToArray();
        }
        foreach (var (f, fd, k) in now) FileAsync.SendSigio(k, f, fd, reason);
    }
}
