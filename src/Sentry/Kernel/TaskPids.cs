using System.Buffers.Binary;

namespace AppKernel.Sentry.Kernel;

/// <summary>
/// A task in its PID namespace: the ids it sees, who reaps its orphans, how its namespace's init is protected
/// and what that init's end does to the rest (Linux's pid_namespace.c and the namespace parts of signal.c).
/// Every translation is <see cref="PidNamespace"/>'s; this file only says whose namespace asks.
/// </summary>
public sealed partial class Task
{
    /// <summary>The task's own PID namespace (Linux's task_active_pid_ns), fixed when the task is made.</summary>
    public PidNamespace PidNs { get; private set; } = null!;

    /// <summary>The task's tid and pid as it sees them itself (gettid, getpid, set_tid_address, robust futexes).</summary>
    public int OwnTid => PidNs.IdOf(Tid);
    public int OwnTgid => PidNs.IdOf(Tgid);

    /// <summary>Whether this process is number 1 of its namespace (Linux's SIGNAL_UNKILLABLE, child reaper).</summary>
    public bool IsPidNsInit => PidNs.IdOf(Tgid) == 1;

    /// <summary>Whether a new PID namespace may be made for the caller's children (copy_pid_ns, create_pid_namespace):
    /// not once unshare already made one (EINVAL), nor past the deepest level (ENOSPC).</summary>
    internal Errno CheckNewPidNs() =>
        Ns.PidForChildren != PidNs ? Errno.EINVAL : PidNs.NewChildAllowed ? Errno.None : Errno.ENOSPC;

    /// <summary>Who takes an exiting process's children: the nearest living subreaper among its ancestors in its
    /// own namespace, else the namespace's init (Linux's find_new_reaper).</summary>
    Task? Reaper()
    {
        var heir = Parent;
        while (heir != null && heir.PidNs == PidNs && (heir._gone || !heir.ChildSubreaper)) heir = heir.Parent;
        return heir != null && heir.PidNs == PidNs ? heir : PidNs.Lookup(1);
    }

    const int CLD_EXITED = 1, CLD_CONTINUED = 6, SI_MESGQ = -3;

    /// <summary>
    /// A queued siginfo's si_pid is a global number; the receiver gets it as Linux gives it: a child's pid in the
    /// parent's namespace for SIGCHLD, the sender's own pid for kill and its kin (prepare_kill_siginfo's
    /// task_tgid_vnr), 0 when the sender is not visible in the receiver's namespace. forced: the sender is outside
    /// that namespace, or the kernel (send_signal_locked's force).
    /// </summary>
    byte[] ReceivedInfo(int sig, byte[] info, out bool forced)
    {
        forced = false;
        if (info.Length < 24) return info;
        int code = BinaryPrimitives.ReadInt32LittleEndian(info.AsSpan(8));
        if (code == SI_KERNEL) { forced = true; return info; }
        bool child = sig == SIGCHLD && code is >= CLD_EXITED and <= CLD_CONTINUED;
        if (!child && code is not (SI_USER or SI_TKILL or SI_MESGQ)) return info;
        int sender = BinaryPrimitives.ReadInt32LittleEndian(info.AsSpan(16));
        int seen = PidNs.IdOf(sender);
        forced = seen == 0;
        if (!child && seen != 0) seen = Kernel.FindTask(sender)?.PidNs.IdOf(sender) ?? 0;
        if (seen == sender) return info;
        var copy = (byte[])info.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(copy.AsSpan(16), seen);
        return copy;
    }

    /// <summary>
    /// A queued siginfo's si_uid is a kernel uid (a guest's own siginfo had its si_uid made one when sent); the
    /// receiver reads it in its own user namespace (overflow uid when unmapped), as Linux's userns_fixup_signal_uid
    /// for signals from user space and do_notify_parent for SIGCHLD.
    /// </summary>
    byte[] UidSeen(int sig, byte[] info)
    {
        if (info.Length < 24) return info;
        int code = BinaryPrimitives.ReadInt32LittleEndian(info.AsSpan(8));
        bool child = sig == SIGCHLD && code is >= CLD_EXITED and <= CLD_CONTINUED;
        if (!child && code is not (SI_USER or SI_QUEUE or SI_TKILL or SI_MESGQ)) return info;
        uint kuid = BinaryPrimitives.ReadUInt32LittleEndian(info.AsSpan(20)), seen = Creds.UserNs.UidToUser(kuid);
        if (seen == kuid) return info;
        var copy = (byte[])info.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(20), seen);
        return copy;
    }

    /// <summary>The si_uid a signal this task sends carries, as a kernel uid: its uid as its own namespace shows it
    /// and back (Linux's prepare_kill_siginfo, then make_kuid), so a uid unmapped there stays unmapped (overflow
    /// uid) for every receiver.</summary>
    public uint SignalUid => Creds.UserNs.UidFromUser(Creds.UserNs.UidToUser(Creds.Uid));

    /// <summary>A guest's own siginfo (rt_sigqueueinfo, pidfd_send_signal): its si_uid, in the sender's user
    /// namespace, becomes a kernel uid for the queue (UidSeen turns it into the receiver's).</summary>
    public byte[] UidToKernel(byte[] info)
    {
        if (info.Length < 24) return info;
        uint uid = BinaryPrimitives.ReadUInt32LittleEndian(info.AsSpan(20));
        BinaryPrimitives.WriteUInt32LittleEndian(info.AsSpan(20), Creds.UserNs.UidFromUser(uid));
        return info;
    }

    /// <summary>A namespace's init (not the sandbox's) ignores a signal it has no handler for, unless it is SIGKILL or
    /// SIGSTOP from an ancestor namespace or the kernel (Linux's sig_task_ignored).</summary>
    bool InitIgnores(int sig, bool forced) => !PidNs.IsRoot && IsPidNsInit && !(forced && sig is SIGKILL or SIGSTOP);

    /// <summary>
    /// The init of a namespace exits (Linux's zap_pid_ns_processes): no process may enter the namespace any more,
    /// every other one in it (nested namespaces too) is killed, the init's children are reaped as they die, and the
    /// init becomes a zombie only once nothing of its namespace is left, even a process whose parent is outside.
    /// </summary>
    void ZapPidNs()
    {
        var ns = PidNs;
        ns.MarkDying();
        var me = Group.Leader;
        lock (Kernel.TreeLock)
        {
            var act = Signals.Actions[SIGCHLD];
            act.Handler = SIG_IGN; // the dying children are reaped at once
            Signals.Actions[SIGCHLD] = act;
        }
        var kill = UserInfo(SIGKILL, SI_KERNEL, 0, 0);
        while (true)
        {
            var others = Kernel.Tasks().FindAll(p => p.Group != Group && ns.Sees(p.Tid));
            // Sent on every round: a fork that got its number before the namespace was closed registers late.
            foreach (var p in others) p.SendSignal(SIGKILL, kill);
            lock (Kernel.TreeLock)
            {
                foreach (var c in me._children.ToArray())
                    if (c.Zombie)
                    {
                        me._children.Remove(c);
                        c.Zombie = false;
                        Kernel.Unregister(c);
                    }
                if (others.Count == 0) return;
                Monitor.Wait(Kernel.TreeLock, 20);
            }
        }
    }
}
