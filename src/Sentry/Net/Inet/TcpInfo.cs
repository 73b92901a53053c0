using System.Buffers.Binary;

namespace AppKernel.Sentry.Net.Inet;

/// <summary>struct tcp_info (include/uapi/linux/tcp.h) as Linux 6.1 fills it, for a loopback connection.</summary>
static class TcpInfo
{
    /// <summary>sizeof(struct tcp_info) in Linux 6.1 (the guest gets at most what it asked for).</summary>
    public const int Size = 232;
    const int OffState = 0, OffCaState = 1, OffOptions = 5, OffWscale = 6, OffRto = 8, OffAto = 12, OffSndMss = 16,
        OffRcvMss = 20, OffPmtu = 60, OffRcvSsthresh = 64, OffRtt = 68, OffRttVar = 72, OffSndSsthresh = 76,
        OffSndCwnd = 80, OffAdvMss = 84, OffReordering = 88, OffRcvSpace = 96, OffNotSent = 144, OffMinRtt = 148,
        OffSndWnd = 228;
    /// <summary>TCPI_OPT_TIMESTAMPS | TCPI_OPT_SACK | TCPI_OPT_WSCALE: what two Linux endpoints negotiate.</summary>
    const byte NegotiatedOptions = 1 | 2 | 4;
    /// <summary>Window scale 7 each way (snd_wscale in the low nibble, rcv_wscale in the high).</summary>
    const byte WindowScales = 0x77;
    /// <summary>TCP_TIMEOUT_INIT (1 s) before a connection, TCP_RTO_MIN (200 ms) plus a loopback RTT after; in µs.</summary>
    const uint InitialRto = 1_000_000, ConnectedRto = 203_333, DelayedAckTimeout = 40_000, LoopbackRtt = 20, LoopbackRttVar = 10;
    const uint InitialCwnd = 10, DefaultReordering = 3, InfiniteSsthresh = 0x7fffffff, LoopbackPmtu = 65535;

    public static byte[] Build(TcpSocket s, TcpState state, int mss, int unread, int unsent)
    {
        var b = new byte[Size];
        var span = b.AsSpan();
        b[OffState] = (byte)state;
        b[OffCaState] = 0; // TCP_CA_Open
        bool connected = state is TcpState.Established or TcpState.CloseWait or TcpState.FinWait1 or TcpState.FinWait2
            or TcpState.LastAck or TcpState.Closing;
        if (connected)
        {
            b[OffOptions] = NegotiatedOptions;
            b[OffWscale] = WindowScales;
        }
        BinaryPrimitives.WriteUInt32LittleEndian(span[OffRto..], connected ? ConnectedRto : InitialRto);
        BinaryPrimitives.WriteUInt32LittleEndian(span[OffAto..], connected ? DelayedAckTimeout : 0);
        BinaryPrimitives.WriteUInt32LittleEndian(span[OffSndMss..], (uint)mss);
        BinaryPrimitives.WriteUInt32LittleEndian(span[OffRcvMss..], (uint)TcpSocket.DefaultMss);
        BinaryPrimitives.WriteUInt32LittleEndian(span[OffPmtu..], connected ? LoopbackPmtu : 0);
        BinaryPrimitives.WriteUInt32LittleEndian(span[OffRcvSsthresh..], (uint)s.Options.RecvBuffer / 2);
        BinaryPrimitives.WriteUInt32LittleEndian(span[OffRtt..], connected ? LoopbackRtt : 0);
        BinaryPrimitives.WriteUInt32LittleEndian(span[OffRttVar..], connected ? LoopbackRttVar : 0);
        BinaryPrimitives.WriteUInt32LittleEndian(span[OffSndSsthresh..], InfiniteSsthresh);
        BinaryPrimitives.WriteUInt32LittleEndian(span[OffSndCwnd..], InitialCwnd);
        BinaryPrimitives.WriteUInt32LittleEndian(span[OffAdvMss..], (uint)(connected ? TcpSocket.LoopbackMss : TcpSocket.DefaultMss));
        BinaryPrimitives.WriteUInt32LittleEndian(span[OffReordering..], DefaultReordering);
        BinaryPrimitives.WriteUInt32LittleEndian(span[OffRcvSpace..], (uint)Math.Max(unread, 0));
        BinaryPrimitives.WriteUInt32LittleEndian(span[OffNotSent..], (uint)unsent);
        BinaryPrimitives.WriteUInt32LittleEndian(span[OffMinRtt..], connected ? LoopbackRtt : uint.MaxValue);
        BinaryPrimitives.WriteUInt32LittleEndian(span[OffSndWnd..], connected ? (uint)s.Options.RecvBuffer : 0);
        return b;
    }
}
