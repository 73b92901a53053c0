using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace AppKernel.Platform.Native;

/// <summary>One message per packet over a SOCK_SEQPACKET Unix socket, with host fds as SCM_RIGHTS.</summary>
public static unsafe class SeqPacket
{
    const int MaxFds = 4;

    /// <summary>
    /// Receives one packet into <paramref name="buf"/>. Returns its length (0 for an empty packet or the
    /// peer's close: see <see cref="PeerClosed"/>), or -1 with <paramref name="err"/> set. A packet larger than
    /// the buffer sets <paramref name="truncated"/>. Up to <paramref name="fds"/>.Length received fds are stored
    /// (close-on-exec); any others are closed. With an empty <paramref name="fds"/> no fd is ever accepted.
    /// </summary>
    public static int Receive(int sock, Span<byte> buf, Span<int> fds, out int nfds, out bool truncated, out Errno err)
    {
        nfds = 0;
        truncated = false;
        err = Errno.None;
        int ctlLen = fds.Length == 0 ? 0 : (int)CMSG_SPACE(sizeof(int) * MaxFds);
        byte* ctl = stackalloc byte[ctlLen == 0 ? 1 : ctlLen];
        fixed (byte* p = buf)
        {
            iovec iov = default;
            iov.iov_base = p;
            iov.iov_len = buf.Length;
            msghdr m = default;
            m.msg_iov = &iov;
            m.msg_iovlen = 1;
            m.msg_control = ctlLen == 0 ? null : ctl;
            m.msg_controllen = ctlLen;
            long n;
            while (true)
            {
                n = recvmsg(sock, &m, fds.Length == 0 ? 0 : MSG_CMSG_CLOEXEC);
                if (n >= 0) break;
                if (errno == EINTR) continue;
                err = (Errno)errno;
                return -1;
            }
            truncated = (m.msg_flags & MSG_TRUNC) != 0;
            if (ctlLen != 0)
            {
                for (cmsghdr* c = CMSG_FIRSTHDR(&m); c != null; c = CMSG_NXTHDR(&m, c))
                {
                    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
                    int count = (int)(((ulong)c->cmsg_len - (uint)CMSG_LEN(0)) / sizeof(int));
                    int* data = (int*)CMSG_DATA(c);
                    for (int i = 0; i < count; i++)
                    {
                        if (nfds < fds.Length) fds[nfds++] = data[i];
                        else close(data[i]);
                    }
                }
            }
            return (int)n;
        }
    }

    /// <summary>Sends one packet, with <paramref name="fd"/> as SCM_RIGHTS when it is not -1.</summary>
    public static bool Send(int sock, ReadOnlySpan<byte> msg, int fd, out Errno err) =>
        fd >= 0 ? Send(sock, msg, [fd], out err) : Send(sock, msg, ReadOnlySpan<int>.Empty, out err);

    /// <summary>Sends one packet with <paramref name="fds"/> (at most 4) as SCM_RIGHTS.</summary>
    public static bool Send(int sock, ReadOnlySpan<byte> msg, ReadOnlySpan<int> fds, out Errno err)
    {
        err = Errno.None;
        if (fds.Length > MaxFds)
        {
            err = Errno.EINVAL;
            return false;
        }
        int ctlLen = (int)CMSG_SPACE(sizeof(int) * MaxFds);
        byte* ctl = stackalloc byte[ctlLen];
        new Span<byte>(ctl, ctlLen).Clear();
        fixed (byte* p = msg)
        {
            iovec iov = default;
            iov.iov_base = p;
            iov.iov_len = msg.Length;
            msghdr m = default;
            m.msg_iov = &iov;
            m.msg_iovlen = 1;
            if (fds.Length > 0)
            {
                m.msg_control = ctl;
                m.msg_controllen = (int)CMSG_SPACE(sizeof(int) * fds.Length);
                cmsghdr* c = CMSG_FIRSTHDR(&m);
                // cmsg_len is the header plus exactly the fds (Tmds' CMSG_LEN rounds up to 8 bytes, which the
                // receiver's kernel reads as one more fd — containerd refuses a console sent with two).
                c->cmsg_len = (socklen_t)(nuint)(sizeof(cmsghdr) + sizeof(int) * fds.Length);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                for (int i = 0; i < fds.Length; i++) ((int*)CMSG_DATA(c))[i] = fds[i];
            }
            while (true)
            {
                long n = sendmsg(sock, &m, MSG_NOSIGNAL);
                if (n == msg.Length) return true;
                if (n >= 0)
                {
                    err = Errno.EIO; // a short send cannot happen on SEQPACKET; treat it as a broken connection
                    return false;
                }
                if (errno == EINTR) continue;
                err = (Errno)errno;
                return false;
            }
        }
    }

    /// <summary>After a 0-byte receive: true if the peer has closed (POLLHUP), false if it was an empty packet.</summary>
    public static bool PeerClosed(int sock)
    {
        pollfd p = default;
        p.fd = sock;
        p.events = (short)(POLLIN | POLLRDHUP);
        if (poll(&p, 1, 0) < 0) return true;
        return (p.revents & 0x38) != 0; // POLLERR | POLLHUP | POLLNVAL
    }
}
