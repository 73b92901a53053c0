using System.Net.Sockets;
using AppKernel.Platform.Native;
using static Tmds.Linux.LibC;

namespace AppKernel.Runsc.Runtime;

/// <summary>
/// A host pseudo-terminal for a container's console (process.terminal, exec --tty): its master goes to the engine
/// over --console-socket as SCM_RIGHTS, as runc sends it; its replica becomes the sandbox's stdio, where the Sentry
/// bridges it to a terminal of its own (HostConsole).
/// </summary>
public static unsafe class HostPty
{
    /// <summary>Opens a host pty and sends its master to socketPath; returns the replica fd (close-on-exec).</summary>
    public static int Allocate(string socketPath)
    {
        int master;
        fixed (byte* path = "/dev/ptmx\0"u8) master = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0) throw new RuntimeException($"--console-socket: /dev/ptmx: errno {errno}");
        try
        {
            int unlock = 0;
            if (ioctl(master, (int)TtyIoctl.TIOCSPTLCK, &unlock) < 0) throw new RuntimeException($"--console-socket: unlockpt: errno {errno}");
            int replica = ioctl(master, (int)TtyIoctl.TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
            if (replica < 0) throw new RuntimeException($"--console-socket: opening the pty's replica: errno {errno}");
            try { Send(socketPath, master); }
            catch { close(replica); throw; }
            return replica;
        }
        finally { close(master); }
    }

    static void Send(string socketPath, int master)
    {
        using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try { s.Connect(new UnixDomainSocketEndPoint(socketPath)); }
        catch (SocketException e) { throw new RuntimeException($"--console-socket {socketPath}: {e.Message}"); }
        // runc sends the master's name with it; receivers (containerd's console package) read the fd.
        if (!SeqPacket.Send((int)s.Handle, "/dev/ptmx"u8, master, out var err))
            throw new RuntimeException($"--console-socket {socketPath}: sendmsg: {err}");
    }
}
