using System.Net;
using System.Net.Sockets;
using System.Text;
using Xunit;
using static AppKernel.Tests.EndToEnd.RunscHarness;

namespace AppKernel.Tests.EndToEnd;

/// <summary>
/// `--network=host`: the guest's TCP sockets are the host's, so a guest server is reachable from a host client and a
/// host server from the guest; with the default (`none`) the host's servers are out of the guest's reach.
/// </summary>
public sealed class HostNetworkTests
{
    const string Python = "/usr/bin/python3";

    /// <summary>An address of this host to serve on: 127.0.0.1 when lo has it (a host's lo may not), else another
    /// IPv4 address of an interface that is up, else ::1.</summary>
    internal static IPAddress HostAddress()
    {
        var all = System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
            .Where(i => i.OperationalStatus is System.Net.NetworkInformation.OperationalStatus.Up or System.Net.NetworkInformation.OperationalStatus.Unknown)
            .SelectMany(i => i.GetIPProperties().UnicastAddresses.Select(u => u.Address)).ToList();
        return all.FirstOrDefault(a => a.Equals(IPAddress.Loopback))
            ?? all.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
            ?? IPAddress.IPv6Loopback;
    }

    /// <summary>How Python and URLs name the address (IPv6 in brackets in a URL).</summary>
    internal static string UrlHost(IPAddress a) => a.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{a}]" : a.ToString();

    static int FreePort(IPAddress at)
    {
        var l = new TcpListener(at, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    [Fact]
    public async System.Threading.Tasks.Task Guest_server_is_reachable_from_a_host_client()
    {
        var at = HostAddress();
        int port = FreePort(at);
        string family = at.AddressFamily == AddressFamily.InterNetworkV6 ? "socket.AF_INET6" : "socket.AF_INET";
        // One connection: read a line, answer it with the guest's view of the peer's address family, and exit.
        string server = $$"""
            import socket
            s = socket.socket({{family}}); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(('{{at}}', {{port}})); s.listen(1)
            print('listening', flush=True)
            c, addr = s.accept()
            line = c.makefile('rb').readline()
            c.sendall(b'guest got ' + line)
            c.close()
            """;
        var guest = System.Threading.Tasks.Task.Run(() => Sandboxed(new[] { Python, "-c", server }, new[] { "--network=host" }, 60_000));
        string reply = "";
        for (int i = 0; i < 200 && reply == "" && !guest.IsCompleted; i++)
        {
            try
            {
                using var c = new TcpClient();
                c.Connect(at, port);
                var st = c.GetStream();
                st.Write(Encoding.ASCII.GetBytes("hello from the host\n"));
                reply = new StreamReader(st).ReadToEnd();
            }
            catch (SocketException) { await System.Threading.Tasks.Task.Delay(100); }
        }
        var r = await guest;
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal("guest got hello from the host\n", reply);
    }

    [Fact]
    public async System.Threading.Tasks.Task Host_server_is_reachable_from_the_guest()
    {
        var at = HostAddress();
        var l = new TcpListener(at, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        var host = System.Threading.Tasks.Task.Run(() =>
        {
            using var c = l.AcceptTcpClient();
            var st = c.GetStream();
            var line = new StreamReader(st).ReadLine();
            st.Write(Encoding.ASCII.GetBytes($"host got {line}\n"));
        });
        string client = $$"""
            import socket
            c = socket.create_connection(('{{at}}', {{port}}))
            c.sendall(b'hello from the guest\n')
            print(c.makefile('rb').readline().decode(), end='')
            """;
        var r = Sandboxed(new[] { Python, "-c", client }, new[] { "--network=host" });
        await host.WaitAsync(TimeSpan.FromSeconds(10));
        l.Stop();
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal("host got hello from the guest\n", r.Stdout);
    }

    [Fact]
    public void Without_host_network_the_hosts_servers_are_out_of_reach()
    {
        var at = HostAddress();
        var l = new TcpListener(at, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        string client = $$"""
            import socket
            try:
                socket.create_connection(('{{at}}', {{port}}), timeout=5)
                print('connected')
            except OSError as e:
                # refused by the sandbox's own loopback, or no route off it
                print('refused' if e.errno in (111, 101, 99) else f'error {e.errno}')
            """;
        var r = Sandboxed(Python, "-c", client);
        bool reached = l.Pending();
        l.Stop();
        Assert.False(reached, "a host listener got a connection from the sandbox");
        Assert.Equal("refused\n", r.Stdout);
    }
}
