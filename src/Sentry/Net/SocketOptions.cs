using AppKernel.Sentry.Kernel;

namespace AppKernel.Sentry.Net;

/// <summary>The SOL_SOCKET options a socket of any family keeps: set, read back and (where the family acts on them:
/// buffers, timeouts, SO_PASSCRED) used.</summary>
public sealed class SocketOptions
{
    /// <summary>SO_RCVTIMEO/SO_SNDTIMEO in ms: 0 waits forever, <see cref="Immediate"/> not at all.</summary>
    public long RecvTimeoutMs, SendTimeoutMs;
    /// <summary>A negative timeout: Linux's sock_set_timeout makes it 0 jiffies, so a blocking call fails at once
    /// with EAGAIN (and getsockopt reads back 0).</summary>
    public const long Immediate = -1;
    public int SendBuffer = Sock.DefaultBuffer, RecvBuffer = Sock.DefaultBuffer;
    /// <summary>SOCK_SNDBUF_LOCK of sk_userlocks: the user chose SO_SNDBUF, so TCP no longer sizes it itself.</summary>
    public bool SendBufferLocked;
    public bool ReuseAddr, ReusePort, KeepAlive, PassCred, OobInline, Broadcast, Timestamp, TimestampNs, DontRoute;
    public bool LingerOn;
    public int LingerSeconds, Priority, RecvLowat = 1, Mark;
    public int PeekOffset = -1;
    string _boundDevice = "";
    bool _filterAttached;

    static bool Flag(byte[] v) => BitConverter.ToInt32(v) != 0;

    /// <summary>A buffer size as Linux reads it: SO_SNDBUF/SO_RCVBUF compare it as unsigned with wmem_max/rmem_max (so
    /// -1 is the maximum); the FORCE variants take a negative as 0.</summary>
    static int Capped(int v, bool force) =>
        force ? Math.Min(Math.Max(v, 0), int.MaxValue / 2) : (int)Math.Min((uint)v, (uint)Sock.MaxBuffer);

    public Errno Set(Task t, Socket s, int name, byte[] v)
    {
        switch (name)
        {
            case Sock.SO_RCVTIMEO or Sock.SO_SNDTIMEO:
            {
                if (v.Length < 16) return Errno.EINVAL;
                long sec = BitConverter.ToInt64(v, 0), usec = BitConverter.ToInt64(v, 8);
                if (usec < 0 || usec >= 1_000_000) return Errno.EDOM;
                long ms = sec < 0 ? Immediate : sec > int.MaxValue / 1000 ? int.MaxValue : sec * 1000 + (usec + 999) / 1000;
                if (name == Sock.SO_RCVTIMEO) RecvTimeoutMs = ms; else SendTimeoutMs = ms;
                return Errno.None;
            }
            case Sock.SO_LINGER:
                if (v.Length < 8) return Errno.EINVAL;
                LingerOn = BitConverter.ToInt32(v, 0) != 0;
                LingerSeconds = Math.Max(0, BitConverter.ToInt32(v, 4));
                return Errno.None;
            case Sock.SO_BINDTODEVICE:
            {
                int end = Array.IndexOf(v, (byte)0);
                _boundDevice = System.Text.Encoding.ASCII.GetString(v, 0, end < 0 ? Math.Min(v.Length, 16) : end);
                return _boundDevice is "" or "lo" ? Errno.None : Errno.ENODEV;
            }
            case Sock.SO_ATTACH_FILTER:
                _filterAttached = true;
                return Errno.None; // no packets pass through a filter here: accepted without effect
            case Sock.SO_DETACH_FILTER:
                if (!_filterAttached) return Errno.ENOENT; // as Linux: nothing to detach
                _filterAttached = false;
                return Errno.None;
        }
        if (v.Length < 4) return Errno.EINVAL;
        int i = BitConverter.ToInt32(v);
        switch (name)
        {
            case Sock.SO_SNDBUF or Sock.SO_SNDBUFFORCE:
                SendBuffer = Math.Max(Capped(i, name == Sock.SO_SNDBUFFORCE) * 2, Sock.MinSendBuffer);
                SendBufferLocked = true;
                return Errno.None;
            case Sock.SO_RCVBUF or Sock.SO_RCVBUFFORCE:
                RecvBuffer = Math.Max(Capped(i, name == Sock.SO_RCVBUFFORCE) * 2, Sock.MinRecvBuffer);
                return Errno.None;
            case Sock.SO_REUSEADDR: ReuseAddr = i != 0; return Errno.None;
            case Sock.SO_REUSEPORT: ReusePort = i != 0; return Errno.None;
            case Sock.SO_KEEPALIVE: KeepAlive = i != 0; return Errno.None;
            case Sock.SO_PASSCRED: PassCred = i != 0; return Errno.None;
            case Sock.SO_OOBINLINE: OobInline = i != 0; return Errno.None;
            case Sock.SO_BROADCAST: Broadcast = i != 0; return Errno.None;
            case Sock.SO_DONTROUTE: DontRoute = i != 0; return Errno.None;
            case Sock.SO_TIMESTAMP: Timestamp = i != 0; return Errno.None;
            case Sock.SO_TIMESTAMPNS: TimestampNs = i != 0; return Errno.None;
            case Sock.SO_PRIORITY:
                if ((i < 0 || i > 6) && !t.Creds.Has(Credentials.CAP_NET_ADMIN)) return Errno.EPERM;
                Priority = i;
                return Errno.None;
            case Sock.SO_RCVLOWAT: RecvLowat = i <= 0 ? 1 : i; return Errno.None;
            case Sock.SO_MARK:
                if (!t.Creds.Has(Credentials.CAP_NET_ADMIN)) return Errno.EPERM;
                Mark = i;
                return Errno.None;
            case Sock.SO_PEEK_OFF: PeekOffset = i; return Errno.None;
            case Sock.SO_DEBUG or Sock.SO_NO_CHECK or Sock.SO_BSDCOMPAT or Sock.SO_PASSSEC or Sock.SO_RXQ_OVFL
                or Sock.SO_BUSY_POLL or Sock.SO_INCOMING_CPU or Sock.SO_ZEROCOPY or Sock.SO_SNDLOWAT:
                return Errno.None;
        }
        return Errno.ENOPROTOOPT;
    }

    public Errno Get(int name, out byte[] v)
    {
        v = Array.Empty<byte>();
        switch (name)
        {
            case Sock.SO_RCVTIMEO or Sock.SO_SNDTIMEO:
            {
                long ms = Math.Max(name == Sock.SO_RCVTIMEO ? RecvTimeoutMs : SendTimeoutMs, 0);
                v = new byte[16];
                BitConverter.TryWriteBytes(v.AsSpan(0), ms / 1000);
                BitConverter.TryWriteBytes(v.AsSpan(8), ms % 1000 * 1000);
                return Errno.None;
            }
            case Sock.SO_LINGER:
                v = new byte[8];
                BitConverter.TryWriteBytes(v.AsSpan(0), LingerOn ? 1 : 0);
                BitConverter.TryWriteBytes(v.AsSpan(4), LingerSeconds);
                return Errno.None;
            case Sock.SO_BINDTODEVICE:
                v = System.Text.Encoding.ASCII.GetBytes(_boundDevice + "\0");
                return Errno.None;
        }
        int? i = name switch
        {
            Sock.SO_SNDBUF => SendBuffer,
            Sock.SO_RCVBUF => RecvBuffer,
            Sock.SO_REUSEADDR => ReuseAddr ? 1 : 0,
            Sock.SO_REUSEPORT => ReusePort ? 1 : 0,
            Sock.SO_KEEPALIVE => KeepAlive ? 1 : 0,
            Sock.SO_PASSCRED => PassCred ? 1 : 0,
            Sock.SO_OOBINLINE => OobInline ? 1 : 0,
            Sock.SO_BROADCAST => Broadcast ? 1 : 0,
            Sock.SO_DONTROUTE => DontRoute ? 1 : 0,
            Sock.SO_TIMESTAMP => Timestamp ? 1 : 0,
            Sock.SO_TIMESTAMPNS => TimestampNs ? 1 : 0,
            Sock.SO_PRIORITY => Priority,
            Sock.SO_RCVLOWAT => RecvLowat,
            Sock.SO_SNDLOWAT => 1,
            Sock.SO_MARK => Mark,
            Sock.SO_PEEK_OFF => PeekOffset,
            Sock.SO_DEBUG or Sock.SO_NO_CHECK or Sock.SO_BSDCOMPAT or Sock.SO_PASSSEC or Sock.SO_RXQ_OVFL
                or Sock.SO_BUSY_POLL or Sock.SO_ZEROCOPY => 0,
            Sock.SO_INCOMING_CPU => 0,
            _ => null,
        };
        if (i == null) return Errno.ENOPROTOOPT;
        v = Socket.Int(i.Value);
        return Errno.None;
    }
}
