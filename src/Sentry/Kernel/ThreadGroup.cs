using Microsoft.Extensions.Logging;

namespace AppKernel.Sentry.Kernel;

/// <summary>The threads of one process. The leader's exit is the process's exit (zombie, wait status).
/// A thread stays in the list until its host thread is gone, so "no other thread" means none runs guest code.</summary>
public sealed partial class ThreadGroup
{
    readonly List<Task> _threads = new();
    public Task Leader { get; private set; }
    /// <summary>The thread in execve's de_thread: every other thread (leader included) is being killed.</summary>
    Task? _execTask;
    /// <summary>The process group and session (pid 1 leads both), and PR_SET_CHILD_SUBREAPER: per process in Linux.</summary>
    public int Pgid = 1, Sid = 1;
    /// <summary>The controlling terminal (Linux's signal->tty); changed under the tree lock (<see cref="JobControl"/>).</summary>
    public volatile AppKernel.Sentry.FileSystems.DevPts.Terminal? Tty;
    public bool ChildSubreaper;

    public ThreadGroup(Task leader)
    {
        Leader = leader;
        _threads.Add(leader);
    }

    public void Add(Task t)
    {
        lock (_threads) _threads.Add(t);
    }

    public List<Task> Threads()
    {
        lock (_threads) return new List<Task>(_threads);
    }

    readonly IoAccounting _exitedIo = new();

    /// <summary>The process's I/O counts: its ended threads' and its live ones' (do_io_accounting's whole).</summary>
    public IoAccounting IoTotals()
    {
        var sum = new IoAccounting();
        lock (_threads)
        {
            sum.Add(_exitedIo);
            foreach (var th in _threads) sum.Add(th.Io);
        }
        return sum;
    }

    public int Count
    {
        get { lock (_threads) return _threads.Count; }
    }

    /// <summary>Whether t's end (its run loop is over) is a thread's exit that leaves the process to others:
    /// any thread but the leader, and the leader too while another thread execs (it takes the leader's place).</summary>
    public bool ExitsAlone(Task t)
    {
        lock (_threads) return t != Leader || (_execTask != null && _execTask != t);
    }

    /// <summary>t is gone (its host thread ended): drop it and tell whoever waits for the group to empty.</summary>
    public void Remove(Task t)
    {
        lock (_threads)
        {
            _threads.Remove(t);
            _exitedIo.Add(t.Io);
            if (t != Leader && Leader.Exited) LastExitCode = t.ExitCode;
            Monitor.PulseAll(_threads);
        }
        t.Signals.DropOwn();
        StopCheck();
    }

    /// <summary>The leader's run loop ended: it waits for its threads, so the process exits and is reaped last. After
    /// a leader's exit(2) they run on as long as they like; once they were told to stop (the group is ending), a
    /// thread stuck in a wait that cannot be interrupted does not hold the process forever: the leader's stub then
    /// goes down with the whole host process.</summary>
    public void WaitOthers(Task leader)
    {
        lock (_threads)
        {
            LeaderWaits = true;
            long deadline = long.MaxValue;
            while (_threads.Exists(x => x != leader) && Environment.TickCount64 < deadline)
            {
                if (deadline == long.MaxValue && GroupExit != null) deadline = Environment.TickCount64 + 5000;
                Monitor.Wait(_threads, 100);
            }
            // A thread that did not end in 5 s is stuck somewhere a kill does not reach: say where (issue 8's rare hang).
            foreach (var x in _threads)
                if (x != leader) leader.Kernel.Log.LogWarning("exit: thread {Tid} of process {Pid} did not end: {State}", x.Tid, leader.Tgid, x.Describe());
            _threads.Remove(leader);
        }
    }

    /// <summary>The leader has done its own exit's work and waits in <see cref="WaitOthers"/> for its threads.</summary>
    public bool LeaderWaits { get; private set; }

    /// <summary>/proc/[pid]/coredump_filter's bits (Linux's default 0x33; kept by fork and exec). No dump is made.</summary>
    public uint CoredumpFilter = 0x33;

    /// <summary>The code of the last thread to end by exit(2) after the leader did: what the process reports then, as
    /// on Linux.</summary>
    public int? LastExitCode { get; private set; }

    /// <summary>How the whole group ended (exit_group's code, or a fatal signal), once one of them happened: the
    /// first wins, as Linux's SIGNAL_GROUP_EXIT.</summary>
    public (int Code, int Sig, bool Core)? GroupExit { get; private set; }

    void SetGroupExit(int code, int sig, bool core)
    {
        lock (_threads) GroupExit ??= (code, sig, core);
    }

    /// <summary>exit_group: every thread ends; the leader reports code.</summary>
    public void ExitAll(Task from, int code)
    {
        SetGroupExit(code, 0, false);
        foreach (var t in Threads())
            if (t != from) t.Stop(code, 0, false);
    }

    /// <summary>A fatal signal ends every thread; the leader reports it.</summary>
    public void TerminateAll(Task from, int sig, bool core)
    {
        SetGroupExit(0, sig, core);
        foreach (var t in Threads())
            if (t != from) t.Stop(0, sig, core);
    }

    /// <summary>
    /// execve's de_thread, at the point of no return: every other thread is killed and gone (its host thread
    /// ended) before this returns; a non-leader then takes the leader's place. False if another thread is
    /// already exec'ing or the group is going down (t is then killed anyway).
    /// </summary>
    public bool KillOthersForExec(Task t, ILogger log)
    {
        lock (_threads)
        {
            if (_execTask != null || t.Exited) return false;
            if (_threads.Count == 1) return true;
            _execTask = t;
        }
        foreach (var o in Threads())
            if (o != t) o.Stop(0, Task.SIGKILL, false);
        Task old;
        lock (_threads)
        {
            // The others only wait interruptibly, so they go quickly; the deadline guards against a stuck one.
            var deadline = Environment.TickCount64 + 5000;
            while (_threads.Count > 1 && Environment.TickCount64 < deadline) Monitor.Wait(_threads, 100);
            foreach (var x in _threads)
                if (x != t) log.LogWarning("exec: thread {Tid} of process {Pid} did not end: {State}", x.Tid, t.Tgid, x.Describe());
            old = Leader;
            Leader = t;
            _execTask = null;
        }
        if (old != t) t.TakeOver(old);
        return true;
    }
}
