using AppKernel.Sentry.FileSystems.DevPts;

namespace AppKernel.Sentry.Kernel;

/// <summary>
/// Controlling terminals and job control (Linux's tty_jobctrl.c and the orphaned-group rules of exit.c). A process's
/// controlling terminal is <see cref="ThreadGroup.Tty"/>, changed under the tree lock; the terminal's session and
/// foreground group are its own, under its gate (taken after the tree lock).
/// </summary>
public static class JobControl
{
    /// <summary>kill_pgrp from the kernel (si_code SI_KERNEL): one signal per process of the group.</summary>
    public static void SignalGroup(Kernel kernel, int pgid, int sig)
    {
        foreach (var p in kernel.Tasks())
            if (!p.Zombie && p.Tid == p.Tgid && p.Pgid == pgid)
                p.SendSignal(sig, Task.UserInfo(sig, Task.SI_KERNEL, 0, 0));
    }

    /// <summary>Whether a process group is orphaned: no member has a parent in another group of the same session.
    /// A member with no parent (the sandbox's init) anchors its group, as gVisor counts it, so init's group is never
    /// orphaned (in Linux a container's init has a parent outside, in another session).</summary>
    public static bool Orphaned(Kernel kernel, int pgid, Task? ignore = null)
    {
        lock (kernel.TreeLock)
        {
            foreach (var p in kernel.Tasks())
            {
                if (p.Tid != p.Tgid || p.Pgid != pgid || p == ignore || p.Zombie) continue;
                var parent = p.Parent;
                if (parent == null) return false;
                if (parent != ignore && parent.Pgid != pgid && parent.Sid == p.Sid) return false;
            }
            return true;
        }
    }

    static bool HasStopped(Kernel kernel, int pgid)
    {
        foreach (var p in kernel.Tasks())
            if (p.Tid == p.Tgid && p.Pgid == pgid && !p.Zombie && p.Group.Stopped) return true;
        return false;
    }

    /// <summary>Linux's kill_orphaned_pgrp, when a process exits: its own group, and each child's in the same session,
    /// that it left orphaned with a stopped member gets SIGHUP then SIGCONT (nobody is left to continue them).</summary>
    public static void HangUpOrphans(Task exiting, List<Task> children)
    {
        var k = exiting.Kernel;
        var groups = new HashSet<int>();
        var parent = exiting.Parent;
        if (parent != null && parent.Pgid != exiting.Pgid && parent.Sid == exiting.Sid) groups.Add(exiting.Pgid);
        foreach (var c in children)
            if (c.Pgid != exiting.Pgid && c.Sid == exiting.Sid) groups.Add(c.Pgid);
        foreach (int pg in groups)
        {
            if (!HasStopped(k, pg) || !Orphaned(k, pg, exiting)) continue;
            SignalGroup(k, pg, Task.SIGHUP);
            SignalGroup(k, pg, Task.SIGCONT);
        }
    }

    /// <summary>__proc_set_tty: t's session takes tty (the caller has checked it may).</summary>
    static void SetTty(Task t, Terminal tty)
    {
        lock (tty.Gate)
        {
            tty.Session = t.Sid;
            tty.ForegroundGroup = t.Pgid;
        }
        t.Group.Tty = tty;
    }

    /// <summary>An open without O_NOCTTY: a session leader with no terminal takes a free one (tty_open_proc_set_tty).</summary>
    public static void AcquireOnOpen(Task t, Terminal tty, bool readable)
    {
        lock (t.Kernel.TreeLock)
            if (t.Sid == t.Tgid && t.Group.Tty == null && tty.Session == 0 && readable) SetTty(t, tty);
    }

    /// <summary>TIOCSCTTY (tiocsctty): steal (arg 1) needs CAP_SYS_ADMIN, and so does a file not open for reading.</summary>
    public static Errno SetControlling(Task t, Terminal tty, ulong arg, bool readable)
    {
        lock (t.Kernel.TreeLock)
        {
            if (t.Sid == t.Tgid && tty.Session == t.Sid) return Errno.None;
            if (t.Sid != t.Tgid || t.Group.Tty != null) return Errno.EPERM;
            if (tty.Session != 0)
            {
                if (arg != 1 || !t.Creds.Has(Credentials.CAP_SYS_ADMIN)) return Errno.EPERM;
                ClearSession(t.Kernel, tty.Session, tty);
            }
            if (!readable && !t.Creds.Has(Credentials.CAP_SYS_ADMIN)) return Errno.EPERM;
            SetTty(t, tty);
            return Errno.None;
        }
    }

    /// <summary>Every process of session sid loses tty as its controlling terminal (under the tree lock).</summary>
    static void ClearSession(Kernel k, int sid, Terminal tty)
    {
        foreach (var p in k.Tasks())
            if (p.Sid == sid && p.Group.Tty == tty) p.Group.Tty = null;
    }

    /// <summary>TIOCNOTTY: only on one's own terminal; a session leader gives it up for the whole session, and the
    /// foreground group hears SIGHUP and SIGCONT (disassociate_ctty).</summary>
    public static Errno NoTty(Task t, Terminal tty)
    {
        if (t.Group.Tty != tty) return Errno.ENOTTY;
        if (t.Sid == t.Tgid) Disassociate(t, onExit: false);
        else lock (t.Kernel.TreeLock) t.Group.Tty = null;
        return Errno.None;
    }

    /// <summary>disassociate_ctty: a session leader leaves its terminal (TIOCNOTTY or its exit). A pty's foreground
    /// group gets SIGHUP (and SIGCONT when not an exit); the session's processes lose the terminal.</summary>
    public static void Disassociate(Task leader, bool onExit)
    {
        var k = leader.Kernel;
        Terminal? tty;
        int fg;
        lock (k.TreeLock)
        {
            tty = leader.Group.Tty;
            if (tty == null) return;
            fg = tty.ForegroundGroup;
            ClearSession(k, leader.Sid, tty);
            lock (tty.Gate)
            {
                if (tty.Session == leader.Sid)
                {
                    tty.Session = 0;
                    tty.ForegroundGroup = 0;
                }
            }
        }
        if (fg == 0) return;
        SignalGroup(k, fg, Task.SIGHUP);
        if (!onExit) SignalGroup(k, fg, Task.SIGCONT);
    }

    /// <summary>The terminal is hung up: no process keeps it.</summary>
    public static void Detach(Kernel k, Terminal tty)
    {
        lock (k.TreeLock)
            foreach (var p in k.Tasks())
                if (p.Group.Tty == tty) p.Group.Tty = null;
    }

    /// <summary>TIOCSPGRP (tiocspgrp): the caller's own terminal, a group of its session.</summary>
    public static long SetForeground(Task t, Terminal tty, ulong arg)
    {
        long jc = t.TerminalAccess(tty, Task.SIGTTOU);
        if (jc == -(long)Errno.EIO) return -(long)Errno.ENOTTY;
        if (jc < 0) return jc;
        if (!t.Mem.Read(arg, out int pgrp)) return -(long)Errno.EFAULT;
        if (pgrp < 0) return -(long)Errno.EINVAL;
        pgrp = t.PidNs.GlobalOf(pgrp); // 0 (none seen) matches no process: ESRCH
        lock (t.Kernel.TreeLock)
        {
            if (t.Group.Tty != tty || tty.Session != t.Sid) return -(long)Errno.ENOTTY;
            bool exists = false, sameSession = false;
            foreach (var p in t.Kernel.Tasks())
            {
                if (p.Zombie || p.Pgid != pgrp) continue;
                exists = true;
                if (p.Sid == t.Sid) sameSession = true;
            }
            if (!exists) return -(long)Errno.ESRCH;
            if (!sameSession) return -(long)Errno.EPERM;
            lock (tty.Gate) tty.ForegroundGroup = pgrp;
            return 0;
        }
    }
}

public sealed partial class Task
{
    /// <summary>The process's controlling terminal (Linux's signal->tty).</summary>
    public Terminal? Tty { get => Group.Tty; set => Group.Tty = value; }

    /// <summary>
    /// __tty_check_change: a process of a background group using its controlling terminal is stopped with sig
    /// (SIGTTIN for reads; SIGTTOU for writes with TOSTOP and for changing the terminal) and the call restarts once
    /// it is continued; a blocked or ignored SIGTTIN is EIO (SIGTTOU then allows the call), as is an orphaned group.
    /// </summary>
    public long TerminalAccess(Terminal tty, int sig)
    {
        if (Group.Tty != tty) return 0;
        int fg = tty.ForegroundGroup;
        if (fg == 0 || fg == Pgid) return 0;
        bool ignored = (Signals.Mask & SignalState.Bit(sig)) != 0 || Signals.Actions[sig].Handler == SIG_IGN;
        if (ignored) return sig == SIGTTIN ? -(long)Errno.EIO : 0;
        if (JobControl.Orphaned(Kernel, Pgid)) return -(long)Errno.EIO;
        JobControl.SignalGroup(Kernel, Pgid, sig);
        return RestartSys;
    }
}
