namespace AppKernel.Sentry.Net;

/// <summary>Linux's socket vocabulary (include/linux/socket.h, net.h, asm-generic/socket.h, in.h, tcp.h).</summary>
public static class Sock
{
    // Address families.
    public const int AF_UNSPEC = 0, AF_UNIX = 1, AF_INET = 2, AF_INET6 = 10, AF_NETLINK = 16, AF_PACKET = 17;

    // Types, and the flags socket(2) takes in the type argument.
    public const int SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_RAW = 3, SOCK_RDM = 4, SOCK_SEQPACKET = 5, SOCK_PACKET = 10;
    public const int SOCK_TYPE_MASK = 0xf, SOCK_NONBLOCK = 0x800, SOCK_CLOEXEC = 0x80000;

    // send/recv flags.
    public const int MSG_OOB = 1, MSG_PEEK = 2, MSG_DONTROUTE = 4, MSG_CTRUNC = 8, MSG_TRUNC = 0x20, MSG_DONTWAIT = 0x40,
        MSG_EOR = 0x80, MSG_WAITALL = 0x100, MSG_CONFIRM = 0x800, MSG_ERRQUEUE = 0x2000, MSG_NOSIGNAL = 0x4000,
        MSG_MORE = 0x8000, MSG_WAITFORONE = 0x10000, MSG_CMSG_CLOEXEC = 0x40000000;

    // shutdown(2).
    public const int SHUT_RD = 0, SHUT_WR = 1, SHUT_RDWR = 2;

    // Levels.
    public const int SOL_SOCKET = 1, SOL_IP = 0, SOL_TCP = 6, SOL_UDP = 17, SOL_IPV6 = 41, SOL_NETLINK = 270;

    // SOL_SOCKET options.
    public const int SO_DEBUG = 1, SO_REUSEADDR = 2, SO_TYPE = 3, SO_ERROR = 4, SO_DONTROUTE = 5, SO_BROADCAST = 6,
        SO_SNDBUF = 7, SO_RCVBUF = 8, SO_KEEPALIVE = 9, SO_OOBINLINE = 10, SO_NO_CHECK = 11, SO_PRIORITY = 12,
        SO_LINGER = 13, SO_BSDCOMPAT = 14, SO_REUSEPORT = 15, SO_PASSCRED = 16, SO_PEERCRED = 17, SO_RCVLOWAT = 18,
        SO_SNDLOWAT = 19, SO_RCVTIMEO = 20, SO_SNDTIMEO = 21, SO_BINDTODEVICE = 25, SO_ATTACH_FILTER = 26,
        SO_DETACH_FILTER = 27, SO_PEERNAME = 28, SO_TIMESTAMP = 29, SO_ACCEPTCONN = 30, SO_PEERSEC = 31,
        SO_SNDBUFFORCE = 32, SO_RCVBUFFORCE = 33, SO_PASSSEC = 34, SO_TIMESTAMPNS = 35, SO_MARK = 36,
        SO_PROTOCOL = 38, SO_DOMAIN = 39, SO_RXQ_OVFL = 40, SO_PEEK_OFF = 42, SO_BUSY_POLL = 46,
        SO_INCOMING_CPU = 49, SO_COOKIE = 57, SO_PEERGROUPS = 59, SO_ZEROCOPY = 60;

    // Control messages.
    public const int SCM_RIGHTS = 1, SCM_CREDENTIALS = 2, SCM_TIMESTAMP = SO_TIMESTAMP, SCM_TIMESTAMPNS = SO_TIMESTAMPNS;
    /// <summary>Linux's SCM_MAX_FD: the most fds one SCM_RIGHTS message carries.</summary>
    public const int SCM_MAX_FD = 253;

    // Socket ioctls.
    public const uint SIOCINQ = 0x541b /* FIONREAD */, SIOCOUTQ = 0x5411 /* TIOCOUTQ */, SIOCATMARK = 0x8905,
        SIOCGSTAMP = 0x8906, SIOCGSTAMPNS = 0x8907, SIOCGIFNAME = 0x8910, SIOCGIFCONF = 0x8912,
        SIOCGIFFLAGS = 0x8913, SIOCSIFFLAGS = 0x8914, SIOCGIFADDR = 0x8915, SIOCGIFDSTADDR = 0x8917,
        SIOCGIFBRDADDR = 0x8919, SIOCGIFNETMASK = 0x891b, SIOCGIFMETRIC = 0x891d, SIOCGIFMTU = 0x8921,
        SIOCGIFHWADDR = 0x8927, SIOCGIFINDEX = 0x8933, SIOCGIFTXQLEN = 0x8942, SIOCOUTQNSD = 0x894b;

    /// <summary>The largest socket address (struct sockaddr_storage).</summary>
    public const int MaxAddrLen = 128;

    /// <summary>net.core.wmem_default / rmem_default: a socket's buffers until SO_SNDBUF/SO_RCVBUF.</summary>
    public const int DefaultBuffer = 212992;
    /// <summary>net.core.wmem_max / rmem_max: SO_SNDBUF/SO_RCVBUF are capped here (then doubled, as Linux).</summary>
    public const int MaxBuffer = 212992;
    /// <summary>The smallest SO_SNDBUF/SO_RCVBUF Linux keeps (SOCK_MIN_SNDBUF / SOCK_MIN_RCVBUF).</summary>
    public const int MinSendBuffer = 4608, MinRecvBuffer = 2304;

    public const short POLLRDHUP = 0x2000;
}
