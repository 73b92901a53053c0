namespace AppKernel.Sentry.Net.Inet;

/// <summary>
/// How Linux sizes an established connection's send buffer (tcp_init_buffer_space → tcp_sndbuf_expand, Linux 6.1,
/// x86-64): unless the user set SO_SNDBUF, it grows from tcp_wmem[1] (16 KiB) to room for twice the initial
/// congestion window of worst-case skbs. On loopback (MSS ≈ 64 KiB) that is about 2.5 MiB, which is why a
/// non-blocking writer there can queue megabytes before EAGAIN; programs depend on it (asyncio's transports
/// expect a 100 KiB write to a fresh connection to leave nothing buffered).
/// </summary>
static class TcpSendBuffer
{
    /// <summary>ipv4_default_advmss on loopback: the largest IP packet (IPV4_MAX_PMTU, 65535) less the IP and TCP
    /// headers; the MSS clamp of a connection that no TCP_MAXSEG lowers.</summary>
    public const int LoopbackMssClamp = 65495;
    /// <summary>MAX_TCP_HEADER (L1_CACHE_ALIGN(128 + MAX_HEADER), a distribution config's MAX_HEADER of 176),
    /// SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) and SKB_DATA_ALIGN(sizeof(struct sk_buff)).</summary>
    const int MaxTcpHeader = 320, SkbSharedInfoSize = 320, SkbSize = 256;
    /// <summary>TCP_INIT_CWND, and net.ipv4.tcp_reordering (+1 is the other floor on the segment count).</summary>
    const int InitialCwnd = 10, Reordering = 3;
    /// <summary>Cubic's and Reno's factor (no sndbuf_expand hook): 1.7 for fast recovery, rounded up.</summary>
    const int ExpandFactor = 2;
    /// <summary>net.ipv4.tcp_wmem[2]: the most the kernel grows a send buffer to.</summary>
    public const int MaxSendBuffer = 4194304;

    /// <summary>The send buffer an established connection with this MSS clamp gets, if larger than what it has.</summary>
    public static int Expanded(int current, int mssClamp)
    {
        int perMss = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)(mssClamp + MaxTcpHeader + SkbSharedInfoSize))
            + SkbSize;
        int segments = Math.Max(InitialCwnd, Reordering + 1);
        int wanted = Math.Min(ExpandFactor * segments * perMss, MaxSendBuffer);
        return Math.Max(current, wanted);
    }
}
