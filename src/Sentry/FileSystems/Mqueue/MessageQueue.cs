using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.FileSystems.Mqueue;

/// <summary>
/// One POSIX message queue (Linux's mqueue_inode_info): messages by priority, highest first and FIFO within one;
/// mq_maxmsg/mq_msgsize fixed at creation. As Linux's, a send to a queue with a receiver waiting hands the message
/// straight to that receiver (so no notification fires: someone was waiting), and a receive from a full queue moves
/// the first waiting sender's message in. Blocked calls sleep in <see cref="Task.Sleep"/> on this object.
/// </summary>
public sealed class MessageQueue
{
    public const int SIGEV_SIGNAL = 0, SIGEV_NONE = 1, SIGEV_THREAD = 2;
    const int SI_MESGQ = -3;
    /// <summary>The last byte of a SIGEV_THREAD cookie says why it came (Linux's NOTIFY_WOKENUP, NOTIFY_REMOVED).</summary>
    public const int NotifyCookieLen = 32;
    const byte NOTIFY_WOKENUP = 1, NOTIFY_REMOVED = 2;

    public long MaxMsg { get; }
    public long MsgSize { get; }
    /// <summary>What the queue counts against its creator's RLIMIT_MSGQUEUE (Linux's mq_bytes).</summary>
    public long Bytes { get; }
    public uint OwnerUid { get; }

    // Highest priority first.
    readonly SortedDictionary<uint, Queue<byte[]>> _byPrio = new(Comparer<uint>.Create((a, b) => b.CompareTo(a)));
    long _count, _qsize;

    /// <summary>A blocked sender or receiver; Message is what it brings (a sender) or was given (a receiver).</summary>
    sealed class Waiter
    {
        public byte[]? Message;
        public uint Prio;
        public bool Ready;
    }

    readonly LinkedList<Waiter> _senders = new(), _receivers = new();

    /// <summary>Pollers (readable: messages waiting; writable: not full).</summary>
    public readonly WaitQueue Waiters = new();

    // The registered notification (mq_notify): the process it is for and how.
    Task? _notifyOwner;
    int _notifyTgid, _notifyKind, _notifySigno;
    ulong _notifyValue;
    FdTable? _notifyFds;
    Net.Netlink.NetlinkSocket? _notifySock;
    byte[]? _notifyCookie;

    public MessageQueue(long maxMsg, long msgSize, long bytes, uint ownerUid)
    {
        MaxMsg = maxMsg;
        MsgSize = msgSize;
        Bytes = bytes;
        OwnerUid = ownerUid;
    }

    public short Readiness(short events)
    {
        lock (this)
        {
            short r = 0;
            if (_count > 0) r |= (short)(events & (FileDescription.POLLIN | FileDescription.POLLRDNORM));
            if (_count < MaxMsg) r |= (short)(events & (FileDescription.POLLOUT | FileDescription.POLLWRNORM));
            return r;
        }
    }

    /// <summary>The text read(2) gives (Linux's mqueue_read_file); NOTIFY_PID as the reader's PID namespace sees it.</summary>
    public string Status(PidNamespace readerNs)
    {
        lock (this)
        {
            bool owned = _notifyOwner != null;
            int kind = owned ? _notifyKind : 0, signo = owned && _notifyKind == SIGEV_SIGNAL ? _notifySigno : 0;
            return $"QSIZE:{_qsize,-10} NOTIFY:{kind,-5} SIGNO:{signo,-5} NOTIFY_PID:{(owned ? readerNs.IdOf(_notifyTgid) : 0),-6}\n";
        }
    }

    public long CurMsgs { get { lock (this) return _count; } }

    void Insert(byte[] msg, uint prio)
    {
        if (!_byPrio.TryGetValue(prio, out var q)) _byPrio[prio] = q = new Queue<byte[]>();
        q.Enqueue(msg);
        _count++;
        _qsize += msg.Length;
    }

    (byte[] Msg, uint Prio) Take()
    {
        var (prio, q) = _byPrio.First();
        var msg = q.Dequeue();
        if (q.Count == 0) _byPrio.Remove(prio);
        _count--;
        _qsize -= msg.Length;
        return (msg, prio);
    }

    /// <summary>mq_timedsend once the message is read in: 0, EAGAIN, ETIMEDOUT or RestartSys. deadlineNs: an
    /// absolute CLOCK_REALTIME time, or null to wait without end.</summary>
    public long Send(Task t, byte[] msg, uint prio, bool nonblock, long? deadlineNs)
    {
        lock (this)
        {
            if (_count >= MaxMsg)
            {
                if (nonblock) return -(long)Errno.EAGAIN;
                var w = new Waiter { Message = msg, Prio = prio };
                var node = _senders.AddLast(w);
                return Wait(t, w, node, _senders, deadlineNs);
            }
            if (_receivers.First is { } r)
            {
                // A receiver is waiting: the message is its own at once (Linux's pipelined_send).
                _receivers.RemoveFirst();
                r.Value.Message = msg;
                r.Value.Prio = prio;
                r.Value.Ready = true;
                Monitor.PulseAll(this);
                return 0;
            }
            Insert(msg, prio);
            if (_count == 1) FireNotification(t);
            Monitor.PulseAll(this);
        }
        Waiters.Notify();
        return 0;
    }

    /// <summary>mq_timedreceive: the message and its priority, or an error (EAGAIN, ETIMEDOUT, RestartSys).</summary>
    public long Receive(Task t, bool nonblock, long? deadlineNs, out byte[]? msg, out uint prio)
    {
        msg = null;
        prio = 0;
        lock (this)
        {
            if (_count == 0)
            {
                if (nonblock) return -(long)Errno.EAGAIN;
                var w = new Waiter();
                var node = _receivers.AddLast(w);
                long r = Wait(t, w, node, _receivers, deadlineNs);
                if (r < 0) return r;
                (msg, prio) = (w.Message, w.Prio);
                return 0;
            }
            (msg, prio) = Take();
            // There is room now: the first blocked sender's message goes in (Linux's pipelined_receive).
            if (_senders.First is { } s)
            {
                _senders.RemoveFirst();
                Insert(s.Value.Message!, s.Value.Prio);
                s.Value.Message = null;
                s.Value.Ready = true;
            }
            Monitor.PulseAll(this);
        }
        Waiters.Notify();
        return 0;
    }

    /// <summary>Sleeps (the queue locked) until the waiter is served, the deadline passes or a signal comes; being
    /// served wins over both, as in Linux's wq_sleep.</summary>
    long Wait(Task t, Waiter w, LinkedListNode<Waiter> node, LinkedList<Waiter> list, long? deadlineNs)
    {
        while (!w.Ready)
        {
            int ms = Timeout.Infinite;
            if (deadlineNs is { } d)
            {
                long left = d - NowRealtimeNs();
                if (left <= 0) { list.Remove(node); return -(long)Errno.ETIMEDOUT; }
                ms = (int)Math.Min((left + 999_999) / 1_000_000, int.MaxValue);
            }
            bool ok = t.Sleep(this, ms);
            if (w.Ready) break;
            if (!ok) { list.Remove(node); return Task.RestartSys; }
        }
        return 0;
    }

    static long NowRealtimeNs()
    {
        var now = Syscalls.TimeSyscalls.Now(0);
        return now.Sec * 1_000_000_000 + now.Nsec;
    }

    /// <summary>mq_notify with a sigevent: EBUSY if any process is registered.</summary>
    public Errno Register(Task t, int kind, int signo, ulong value, Net.Netlink.NetlinkSocket? sock, byte[]? cookie)
    {
        lock (this)
        {
            if (_notifyOwner != null) return Errno.EBUSY;
            _notifyOwner = t.Group.Leader;
            _notifyTgid = t.Tgid;
            _notifyFds = t.Fds;
            (_notifyKind, _notifySigno, _notifyValue) = (kind, signo, value);
            (_notifySock, _notifyCookie) = (sock, cookie);
            sock?.IncRef();
            return Errno.None;
        }
    }

    /// <summary>mq_notify(NULL): the caller's process gives up its registration (another's is left alone).</summary>
    public void Unregister(Task t)
    {
        lock (this)
            if (_notifyOwner != null && _notifyTgid == t.Tgid) RemoveNotification();
    }

    /// <summary>A close of one of the queue's fds through fds: the registration goes if it was made through that
    /// table (Linux's mqueue_flush_file compares the closer's process; a table stands for its process here).</summary>
    public void Flush(FdTable fds)
    {
        lock (this)
            if (_notifyOwner != null && _notifyFds == fds) RemoveNotification();
    }

    void RemoveNotification()
    {
        if (_notifyKind == SIGEV_THREAD) SendCookie(NOTIFY_REMOVED);
        ClearNotification();
    }

    void ClearNotification()
    {
        _notifySock?.DecRef();
        (_notifyOwner, _notifyFds, _notifySock, _notifyCookie) = (null, null, null, null);
        _notifyTgid = 0;
    }

    void SendCookie(byte code)
    {
        if (_notifySock == null || _notifyCookie == null) return;
        var c = (byte[])_notifyCookie.Clone();
        c[NotifyCookieLen - 1] = code;
        _notifySock.DeliverFromKernel(c);
    }

    /// <summary>The queue went from empty to one message with nobody receiving: the registered process hears once
    /// (Linux's __do_notify), and the registration ends.</summary>
    void FireNotification(Task sender)
    {
        if (_notifyOwner == null) return;
        switch (_notifyKind)
        {
            case SIGEV_SIGNAL:
                if (_notifySigno != 0 && sender.Kernel.FindTask(_notifyTgid) is { Zombie: false } target)
                {
                    var si = new SigInfo { Signo = _notifySigno, Code = SI_MESGQ, Pid = sender.Tgid, Uid = (int)sender.Creds.Uid, Value = _notifyValue };
                    target.SendSignal(_notifySigno, si.ToArray());
                }
                break;
            case SIGEV_THREAD:
                SendCookie(NOTIFY_WOKENUP);
                break;
        }
        ClearNotification();
    }

    /// <summary>The queue is gone (no name and no open file): a SIGEV_THREAD helper hears it was removed.</summary>
    public void Destroy()
    {
        lock (this) if (_notifyOwner != null) RemoveNotification();
    }
}
