using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.Net.Unix;

/// <summary>One message (a datagram, a seqpacket record, or a stream's segment) waiting in a receive queue.</summary>
sealed class UnixMessage
{
    public required byte[] Data;
    public int Offset;
    public List<FileDescription>? Fds;
    public UCred Creds;
    /// <summary>The sender's address (datagrams), as recvfrom reports it.</summary>
    public UnixAddress? From;
    /// <summary>Who sent it: its bytes count against the sender's SO_SNDBUF until read.</summary>
    public UnixSocket? Sender;
    public int Left => Data.Length - Offset;
}

/// <summary>
/// A Unix socket's receive queue. Its lock guards the queue and is what readers (data) and writers (room) of the
/// socket sleep on. Told of changes: the owner's pollers on arrivals, <see cref="Room"/> (senders' pollers) on reads.
/// </summary>
sealed class UnixQueue
{
    public readonly LinkedList<UnixMessage> Messages = new();
    public int Bytes;
    /// <summary>Told when messages are taken, so senders waiting for room (and polling for POLLOUT) look again.</summary>
    public readonly WaitQueue Room = new();

    public void Add(UnixMessage m)
    {
        Messages.AddLast(m);
        Bytes += m.Left;
    }

    /// <summary>Removes and returns everything queued (for release: in-flight files lose their references).</summary>
    public List<UnixMessage> Drain()
    {
        var all = new List<UnixMessage>(Messages);
        Messages.Clear();
        Bytes = 0;
        return all;
    }
}

/// <summary>Passes a notification on to another wait queue (a sender's pollers hear of room in its peer's queue).</summary>
sealed class Relay : IWaiter
{
    readonly WaitQueue _to;
    public Relay(WaitQueue to) => _to = to;
    public void Notify() => _to.Notify();
}
