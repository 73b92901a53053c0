using System.Text;
using AppKernel.Sentry.FileSystems.Synthetic;
using AppKernel.Sentry.Net;
using AppKernel.Sentry.Net.Netlink;
using KernelT = AppKernel.Sentry.Kernel.Kernel;

namespace AppKernel.Sentry.FileSystems.Proc;

/// <summary>
/// /proc/[pid]/net (and /proc/net, a link to self/net): the sandbox's one network namespace in Linux 6.1's formats —
/// interfaces (dev, if_inet6), the main table's IPv4 routes (route), the sandbox's Unix sockets (unix), the inet
/// sockets of the loopback stack (<see cref="Net.Inet.InetStack.Snapshot"/>: tcp, tcp6, udp, udp6), and counters
/// (snmp, netstat, sockstat), which are zeros: nothing here counts packets.
/// </summary>
public static class ProcNet
{
    const int IPPROTO_TCP = 6, IPPROTO_UDP = 17;
    /// <summary>seq_setwidth's line widths: route and udp rows are padded to 127, tcp rows to 149.</summary>
    const int RouteWidth = 127, UdpWidth = 127, TcpWidth = 149;
    const int TCP_LISTEN = 10, TCP_TIME_WAIT = 6;
    /// <summary>/proc/net/unix's Flags for a listening socket (__SO_ACCEPTCON) and St values (socket_state).</summary>
    const int SO_ACCEPTCON = 1 << 16, SS_UNCONNECTED = 1, SS_CONNECTED = 3;
    /// <summary>if_inet6's scope field (IPV6_ADDR_LOOPBACK, IPV6_ADDR_LINKLOCAL); RTF_* of /proc/net/route.</summary>
    const int IPV6_ADDR_LOOPBACK = 0x10, IPV6_ADDR_LINKLOCAL = 0x20, RTF_UP = 1, RTF_HOST = 4;

    public static SynthDir Dir(KernelT k)
    {
        var net = k.Net;
        var d = new SynthDir()
            .Add("dev", File(_ => Dev(net)))
            .Add("route", File(_ => Route(net)))
            .Add("if_inet6", File(_ => IfInet6(net)))
            .Add("unix", File(_ => Unix(net)))
            .Add("tcp", File(_ => Inet(net, Sock.AF_INET, IPPROTO_TCP)))
            .Add("tcp6", File(_ => Inet(net, Sock.AF_INET6, IPPROTO_TCP)))
            .Add("udp", File(_ => Inet(net, Sock.AF_INET, IPPROTO_UDP)))
            .Add("udp6", File(_ => Inet(net, Sock.AF_INET6, IPPROTO_UDP)))
            .Add("snmp", File(Snmp))
            .Add("netstat", File(Netstat))
            .Add("sockstat", File(_ => SockStat(net)))
            .Add("sockstat6", File(_ => SockStat6(net)))
            .Add("igmp", File(_ => Igmp(net)))
            .Add("igmp6", File(_ => Igmp6(net)))
            .Add("dev_mcast", File(_ => ""));
        return d.ProcStyle();
    }

    /// <summary>A read-only /proc/net file: opening it for writing is EACCES even for root, as Linux's.</summary>
    static SynthFile File(Func<Kernel.Task, string> content) => new(content) { WriteOpenError = Errno.EACCES };

    static string Dev(NetStack net)
    {
        var sb = new StringBuilder();
        sb.Append("Inter-|   Receive                                                |  Transmit\n");
        sb.Append(" face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n");
        foreach (var i in net.Interfaces)
            sb.Append($"{i.Name,6}:{0,8} {0,7} {0,4} {0,4} {0,4} {0,5} {0,10} {0,9} {0,8} {0,7} {0,4} {0,4} {0,4} {0,5} {0,7} {0,10}\n");
        return sb.ToString();
    }

    /// <summary>A network-order IPv4 address as Linux prints a __be32 with %08X on a little-endian machine.</summary>
    static string Be32(byte[] a) => BitConverter.ToUInt32(a).ToString("X8");

    static string Pad(string line, int width) => line.Length < width ? line.PadRight(width) + "\n" : line + "\n";

    static string Route(NetStack net)
    {
        var sb = new StringBuilder(Pad("Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT", RouteWidth));
        var route = new RouteProtocol(net);
        foreach (var r in route.Routes(v4: true))
        {
            if (r.Table != Rta.RT_TABLE_MAIN) continue;
            var dev = net.Interfaces.Find(i => i.Index == r.Oif)?.Name ?? "*";
            int flags = RTF_UP | (r.DstLen == 32 ? RTF_HOST : 0);
            var mask = BitConverter.GetBytes(System.Net.IPAddress.HostToNetworkOrder((int)RouteProtocol.V4Mask(r.DstLen)));
            sb.Append(Pad($"{dev}\t{Be32(r.Dst)}\t{0:X8}\t{flags:X4}\t0\t0\t0\t{Be32(mask)}\t0\t0\t0", RouteWidth));
        }
        return sb.ToString();
    }

    static string IfInet6(NetStack net)
    {
        var sb = new StringBuilder();
        foreach (var i in net.Interfaces)
            foreach (var (a, plen) in i.Addresses)
            {
                if (RouteProtocol.IsV4(a)) continue;
                byte scope = RouteProtocol.Scope(a);
                int s = scope == Rta.RT_SCOPE_HOST ? IPV6_ADDR_LOOPBACK : scope == Rta.RT_SCOPE_LINK ? IPV6_ADDR_LINKLOCAL : 0;
                sb.Append($"{Convert.ToHexString(a).ToLowerInvariant()} {i.Index:x2} {plen:x2} {s:x2} {Ifa.IFA_F_PERMANENT:x2} {i.Name,8}\n");
            }
        return sb.ToString();
    }

    static string Unix(NetStack net)
    {
        var sb = new StringBuilder("Num       RefCount Protocol Flags    Type St Inode Path\n");
        foreach (var s in net.Unix.Live())
        {
            var x = s.Snapshot();
            int st = x.Connected ? SS_CONNECTED : SS_UNCONNECTED;
            sb.Append($"0000000000000000: {2:X8} {0:X8} {(x.Listening ? SO_ACCEPTCON : 0):X8} {x.Type:X4} {st:X2} {x.Inode,5}");
            if (x.Name != null)
            {
                sb.Append(' ');
                if (x.Abstract) sb.Append('@');
                foreach (byte b in x.Name) sb.Append(b == 0 ? "@" : LinuxText.Decode(new[] { b }));
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>The IPv4 groups each interface joined: all-hosts (224.0.0.1), IGMPv3.</summary>
    static string Igmp(NetStack net)
    {
        var sb = new StringBuilder("Idx\tDevice    : Count Querier\tGroup    Users Timer\tReporter\n");
        foreach (var i in net.Interfaces)
        {
            if ((i.Flags & NetInterface.IFF_UP) == 0 || !i.Addresses.Any(a => RouteProtocol.IsV4(a.Address))) continue;
            sb.Append($"{i.Index}\t{i.Name,-10}: {1,5} {"V3",7}\n");
            sb.Append($"\t\t\t\t{Be32(new byte[] { 224, 0, 0, 1 })} {1,5} 0:{0:X8}\t\t0\n");
        }
        return sb.ToString();
    }

    /// <summary>The IPv6 groups: link- and interface-local all-nodes (ff02::1, ff01::1), with their MLD flags.</summary>
    static string Igmp6(NetStack net)
    {
        const int MAF_NOREPORT = 0x08, MAF_LOADED = 0x04; // ff01::1 is never reported; ff02::1 is loaded too
        var sb = new StringBuilder();
        foreach (var i in net.Interfaces)
        {
            if ((i.Flags & NetInterface.IFF_UP) == 0 || i.Addresses.All(a => RouteProtocol.IsV4(a.Address))) continue;
            sb.Append($"{i.Index,-4} {i.Name,-15} ff020000000000000000000000000001 {1,5} {MAF_NOREPORT | MAF_LOADED:X8} 0\n");
            sb.Append($"{i.Index,-4} {i.Name,-15} ff010000000000000000000000000001 {1,5} {MAF_NOREPORT:X8} 0\n");
        }
        return sb.ToString();
    }

    /// <summary>An address as /proc/net/tcp6 prints it: each 32-bit word of the in6_addr with %08X.</summary>
    static string Addr(byte[] a)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < a.Length; i += 4) sb.Append(BitConverter.ToUInt32(a, i).ToString("X8"));
        return sb.ToString();
    }

    static string Inet(NetStack net, int family, int protocol)
    {
        bool v6 = family == Sock.AF_INET6, tcp = protocol == IPPROTO_TCP;
        var sb = new StringBuilder();
        string head = tcp
            ? v6 ? "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode"
                 : "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode"
            : v6 ? "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops"
                 : "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops";
        int width = v6 ? 0 : tcp ? TcpWidth : UdpWidth;
        sb.Append(Pad(head, width));
        int n = 0;
        foreach (var r in Rows(net, family, protocol))
        {
            string common = $"{Addr(r.LocalAddress)}:{r.LocalPort:X4} {Addr(r.RemoteAddress)}:{r.RemotePort:X4} {r.State:X2} "
                + $"{r.TxQueue:X8}:{r.RxQueue:X8} 00:00000000 00000000 {r.Uid,5} {0,8} {r.Inode} ";
            string line = tcp
                // refcount, pointer (hidden), rto and ato in clock ticks, quick/pingpong, cwnd, ssthresh (-1: slow start)
                ? $"{n,4}: {common}1 0000000000000000 100 0 0 10 {(r.State == TCP_LISTEN ? 0 : -1)}"
                : $"{n,5}: {common}2 0000000000000000 0";
            sb.Append(Pad(line, width));
            n++;
        }
        return sb.ToString();
    }

    /// <summary>One row of /proc/net/tcp|udp(6): addresses as the kernel holds them (4 or 16 bytes, network order).</summary>
    readonly record struct Row(byte[] LocalAddress, ushort LocalPort, byte[] RemoteAddress, ushort RemotePort,
        int State, long TxQueue, long RxQueue, uint Uid, ulong Inode);

    /// <summary>The sandbox's loopback stack's sockets of one family and protocol (tcp lists AF_INET sockets,
    /// tcp6 AF_INET6 ones, IPv4 peers IPv4-mapped).</summary>
    static IEnumerable<Row> Rows(NetStack net, int family, int protocol) =>
        net.Inet.Snapshot().Where(s => s.Family == family && s.Protocol == protocol).Select(s => new Row(
            s.Local.Addr.ToBytes(family == Sock.AF_INET), s.Local.Port, s.Remote.Addr.ToBytes(family == Sock.AF_INET), s.Remote.Port,
            s.State, s.State == TCP_LISTEN ? 0 : s.TxQueue, s.RxQueue, s.Uid, s.Inode)); // a listener has nothing unsent

    static int Count(NetStack net, int family, int protocol, bool withTimeWait = true) =>
        Rows(net, family, protocol).Count(r => withTimeWait || r.State != TCP_TIME_WAIT);

    static string SockStat(NetStack net)
    {
        int tcpInUse = Count(net, Sock.AF_INET, IPPROTO_TCP, withTimeWait: false);
        int tcpAlloc = tcpInUse + Count(net, Sock.AF_INET6, IPPROTO_TCP, withTimeWait: false);
        int tw = Count(net, Sock.AF_INET, IPPROTO_TCP) - tcpInUse;
        int udp = Count(net, Sock.AF_INET, IPPROTO_UDP);
        int used = net.Unix.Live().Count + tcpAlloc + udp + Count(net, Sock.AF_INET6, IPPROTO_UDP);
        return $"sockets: used {used}\nTCP: inuse {tcpInUse} orphan 0 tw {tw} alloc {tcpAlloc} mem 0\nUDP: inuse {udp} mem 0\n"
            + "UDPLITE: inuse 0\nRAW: inuse 0\nFRAG: inuse 0 memory 0\n";
    }

    static string SockStat6(NetStack net) =>
        $"TCP6: inuse {Count(net, Sock.AF_INET6, IPPROTO_TCP, withTimeWait: false)}\nUDP6: inuse {Count(net, Sock.AF_INET6, IPPROTO_UDP)}\n"
        + "UDPLITE6: inuse 0\nRAW6: inuse 0\nFRAG6: inuse 0 memory 0\n";

    /// <summary>A "Name: fields" line and its values line, as snmp and netstat pair them.</summary>
    static void Pair(StringBuilder sb, string name, string fields, string? values = null)
    {
        int n = fields.Split(' ').Length;
        sb.Append(name).Append(": ").Append(fields).Append('\n');
        sb.Append(name).Append(": ").Append(values ?? string.Join(' ', Enumerable.Repeat("0", n))).Append('\n');
    }

    /// <summary>IP forwarding is off (2) and the TTL is 64; TCP's RTO bounds are Linux's (200 ms, 120 s).</summary>
    static string Snmp(Kernel.Task _)
    {
        var sb = new StringBuilder();
        Pair(sb, "Ip", "Forwarding DefaultTTL InReceives InHdrErrors InAddrErrors ForwDatagrams InUnknownProtos InDiscards InDelivers OutRequests OutDiscards OutNoRoutes ReasmTimeout ReasmReqds ReasmOKs ReasmFails FragOKs FragFails FragCreates",
            "2 64 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0");
        Pair(sb, "Icmp", "InMsgs InErrors InCsumErrors InDestUnreachs InTimeExcds InParmProbs InSrcQuenchs InRedirects InEchos InEchoReps InTimestamps InTimestampReps InAddrMasks InAddrMaskReps OutMsgs OutErrors OutRateLimitGlobal OutRateLimitHost OutDestUnreachs OutTimeExcds OutParmProbs OutSrcQuenchs OutRedirects OutEchos OutEchoReps OutTimestamps OutTimestampReps OutAddrMasks OutAddrMaskReps");
        Pair(sb, "Tcp", "RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors",
            "1 200 120000 -1 0 0 0 0 0 0 0 0 0 0 0");
        const string udp = "InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors";
        Pair(sb, "Udp", udp);
        Pair(sb, "UdpLite", udp);
        return sb.ToString();
    }

    static string Netstat(Kernel.Task _)
    {
        var sb = new StringBuilder();
        Pair(sb, "TcpExt", "SyncookiesSent SyncookiesRecv SyncookiesFailed EmbryonicRsts PruneCalled RcvPruned OfoPruned OutOfWindowIcmps LockDroppedIcmps ArpFilter TW TWRecycled TWKilled PAWSActive PAWSEstab DelayedACKs DelayedACKLocked DelayedACKLost ListenOverflows ListenDrops TCPHPHits TCPPureAcks TCPHPAcks TCPRenoRecovery TCPSackRecovery TCPSACKReneging TCPSACKReorder TCPRenoReorder TCPTSReorder TCPFullUndo TCPPartialUndo TCPDSACKUndo TCPLossUndo TCPLostRetransmit TCPRenoFailures TCPSackFailures TCPLossFailures TCPFastRetrans TCPSlowStartRetrans TCPTimeouts TCPLossProbes TCPLossProbeRecovery TCPRenoRecoveryFail TCPSackRecoveryFail TCPRcvCollapsed TCPBacklogCoalesce TCPDSACKOldSent TCPDSACKOfoSent TCPDSACKRecv TCPDSACKOfoRecv TCPAbortOnData TCPAbortOnClose TCPAbortOnMemory TCPAbortOnTimeout TCPAbortOnLinger TCPAbortFailed TCPMemoryPressures TCPMemoryPressuresChrono TCPSACKDiscard TCPDSACKIgnoredOld TCPDSACKIgnoredNoUndo TCPSpuriousRTOs TCPMD5NotFound TCPMD5Unexpected TCPMD5Failure TCPSackShifted TCPSackMerged TCPSackShiftFallback TCPBacklogDrop PFMemallocDrop TCPMinTTLDrop TCPDeferAcceptDrop IPReversePathFilter TCPTimeWaitOverflow TCPReqQFullDoCookies TCPReqQFullDrop TCPRetransFail TCPRcvCoalesce TCPOFOQueue TCPOFODrop TCPOFOMerge TCPChallengeACK TCPSYNChallenge TCPFastOpenActive TCPFastOpenActiveFail TCPFastOpenPassive TCPFastOpenPassiveFail TCPFastOpenListenOverflow TCPFastOpenCookieReqd TCPFastOpenBlackhole TCPSpuriousRtxHostQueues BusyPollRxPackets TCPAutoCorking TCPFromZeroWindowAdv TCPToZeroWindowAdv TCPWantZeroWindowAdv TCPSynRetrans TCPOrigDataSent TCPHystartTrainDetect TCPHystartTrainCwnd TCPHystartDelayDetect TCPHystartDelayCwnd TCPACKSkippedSynRecv TCPACKSkippedPAWS TCPACKSkippedSeq TCPACKSkippedFinWait2 TCPACKSkippedTimeWait TCPACKSkippedChallenge TCPWinProbe TCPKeepAlive TCPMTUPFail TCPMTUPSuccess TCPDelivered TCPDeliveredCE TCPAckCompressed TCPZeroWindowDrop TCPRcvQDrop TCPWqueueTooBig TCPFastOpenPassiveAltKey TcpTimeoutRehash TcpDuplicateDataRehash TCPDSACKRecvSegs TCPDSACKIgnoredDubious TCPMigrateReqSuccess TCPMigrateReqFailure");
        Pair(sb, "IpExt", "InNoRoutes InTruncatedPkts InMcastPkts OutMcastPkts InBcastPkts OutBcastPkts InOctets OutOctets InMcastOctets OutMcastOctets InBcastOctets OutBcastOctets InCsumErrors InNoECTPkts InECT1Pkts InECT0Pkts InCEPkts ReasmOverlaps");
        return sb.ToString();
    }
}
