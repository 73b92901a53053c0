using System.Net.Sockets;
using Xunit;
using static AppKernel.Tests.EndToEnd.RunscHarness;

namespace AppKernel.Tests.EndToEnd;

/// <summary>
/// Unix sockets stay inside the sandbox: a host process listening on an abstract name, or on a socket file the
/// guest can see in its root file system, is not reachable from the guest (ECONNREFUSED), and hears nothing.
/// </summary>
public sealed class UnixSocketEscapeTests : IDisposable
{
    /// <summary>Connects (stream) and sends (datagram) to each name given: "@name" is abstract, else a path.</summary>
    const string Client = """
        #define _GNU_SOURCE
        #include <errno.h>
        #include <unistd.h>
        #include <stdio.h>
        #include <string.h>
        #include <sys/socket.h>
        #include <sys/un.h>
        #include <stddef.h>
        static socklen_t addr(const char *n, struct sockaddr_un *a) {
            memset(a, 0, sizeof *a);
            a->sun_family = AF_UNIX;
            if (n[0] == '@') { memcpy(a->sun_path + 1, n + 1, strlen(n + 1)); return offsetof(struct sockaddr_un, sun_path) + strlen(n); }
            strcpy(a->sun_path, n);
            return offsetof(struct sockaddr_un, sun_path) + strlen(n) + 1;
        }
        int main(int argc, char **argv) {
            for (int i = 1; i < argc; i++) {
                struct sockaddr_un a;
                socklen_t l = addr(argv[i], &a);
                int s = socket(AF_UNIX, SOCK_STREAM, 0);
                int r = connect(s, (struct sockaddr *)&a, l);
                printf("stream %d: %s\n", i, r == 0 ? "connected" : strerrorname_np(errno));
                if (r == 0) write(s, "ESCAPED", 7);
                int d = socket(AF_UNIX, SOCK_DGRAM, 0);
                r = sendto(d, "ESCAPED", 7, 0, (struct sockaddr *)&a, l);
                printf("dgram %d: %s\n", i, r >= 0 ? "sent" : strerrorname_np(errno));
            }
            return 0;
        }
        """;

    readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("appkernel-unixescape-");
    readonly List<Socket> _sockets = new();

    public void Dispose()
    {
        foreach (var s in _sockets) s.Dispose();
        _dir.Delete(true);
    }

    Socket Listen(SocketType type, string name)
    {
        var s = new Socket(AddressFamily.Unix, type, ProtocolType.Unspecified);
        _sockets.Add(s);
        s.Bind(new UnixDomainSocketEndPoint(name));
        if (type == SocketType.Stream) s.Listen(16);
        s.Blocking = false;
        return s;
    }

    [Fact]
    public void HostAbstractNamesAndSocketFilesAreNotConnectable()
    {
        string tag = Guid.NewGuid().ToString("N");
        // Abstract names (one per type: Linux keys them by type) and socket files in the guest's view of /tmp.
        var abstractStream = Listen(SocketType.Stream, "\0appkernel-escape-" + tag);
        var abstractDgram = Listen(SocketType.Dgram, "\0appkernel-escape-" + tag);
        string streamPath = Path.Combine(_dir.FullName, "stream.sock"), dgramPath = Path.Combine(_dir.FullName, "dgram.sock");
        var fileStream = Listen(SocketType.Stream, streamPath);
        var fileDgram = Listen(SocketType.Dgram, dgramPath);
        var client = CompileC(_dir.FullName, "unix_client", Client);

        // The host root is the guest's root here, so the guest sees the socket files at the same paths.
        var r = Sandboxed(client, "@appkernel-escape-" + tag, streamPath, dgramPath);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(
            "stream 1: ECONNREFUSED\ndgram 1: ECONNREFUSED\n" +
            "stream 2: ECONNREFUSED\ndgram 2: ECONNREFUSED\n" +
            "stream 3: ECONNREFUSED\ndgram 3: ECONNREFUSED\n", r.Stdout);

        // Natively the same program reaches them all: the test's names are right.
        var n = Native(client, "@appkernel-escape-" + tag, streamPath);
        Assert.Contains("stream 1: connected", n.Stdout);
        Assert.Contains("dgram 1: sent", n.Stdout);
        Assert.Contains("stream 2: connected", n.Stdout);

        // Nothing from the sandbox arrived: the only connections and datagrams are the native run's.
        Assert.True(abstractStream.Poll(0, SelectMode.SelectRead));
        abstractStream.Accept().Dispose();
        Assert.False(abstractStream.Poll(0, SelectMode.SelectRead));
        var buf = new byte[64];
        Assert.Equal(7, abstractDgram.Receive(buf));
        Assert.False(abstractDgram.Poll(0, SelectMode.SelectRead));
        fileStream.Accept().Dispose();
        Assert.False(fileStream.Poll(0, SelectMode.SelectRead));
        Assert.False(fileDgram.Poll(0, SelectMode.SelectRead));
    }
}
