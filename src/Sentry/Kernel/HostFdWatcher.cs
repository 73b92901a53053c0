using System.Collections.Concurrent;
using static Tmds.Linux.LibC;

namespace AppKernel.Sentry.Kernel;

/// <summary>
/// Host fds the guest waits on (runsc's stdio: a pipe or terminal; host sockets with --network=host) cannot tell the Sentry they changed, so one
/// host epoll thread per kernel watches them: a waiter arms its fd (one-shot) after finding it not ready, and the
/// thread notifies that fd's wait queue when the host says it is. Started on first use.
/// </summary>
public sealed unsafe class HostFdWatcher
{
    readonly ConcurrentDictionary<int, Vfs.WaitQueue> _queues = new();
    /// <summary>The events armed per fd since it last fired: a reader and a writer of one socket wait for different
    /// ones, and re-arming for one must not drop the other.</summary>
    readonly Dictionary<int, int> _armed = new();
    int _epfd = -1;
    readonly object _startLock = new();

    /// <summary>Asks for one notification of q when hostFd has any of events (poll bits).</summary>
    public void Arm(int hostFd, short events, Vfs.WaitQueue q)
    {
        Start();
        _queues[hostFd] = q;
        lock (_armed)
        {
            int all = _armed.GetValueOrDefault(hostFd) | (ushort)events;
            _armed[hostFd] = all;
            var ev = new Tmds.Linux.epoll_event { events = all | EPOLLONESHOT };
            ev.data.fd = hostFd;
            if (epoll_ctl(_epfd, EPOLL_CTL_MOD, hostFd, &ev) < 0 && errno == ENOENT)
                epoll_ctl(_epfd, EPOLL_CTL_ADD, hostFd, &ev);
        }
    }

    /// <summary>Forgets hostFd before it is closed.</summary>
    public void Forget(int hostFd)
    {
        if (_epfd < 0) return;
        lock (_armed)
        {
            epoll_ctl(_epfd, EPOLL_CTL_DEL, hostFd, null);
            _armed.Remove(hostFd);
        }
        _queues.TryRemove(hostFd, out _);
    }

    void Start()
    {
        if (Volatile.Read(ref _epfd) >= 0) return;
        lock (_startLock)
        {
            if (_epfd >= 0) return;
            int fd = epoll_create1(EPOLL_CLOEXEC);
            if (fd < 0) throw new InvalidOperationException($"epoll_create1: errno {errno}");
            new Thread(Loop) { IsBackground = true, Name = "host-fd-watcher" }.Start(fd);
            Volatile.Write(ref _epfd, fd);
        }
    }

    void Loop(object? arg)
    {
        int epfd = (int)arg!;
        const int Max = 16;
        var evs = stackalloc Tmds.Linux.epoll_event[Max];
        while (true)
        {
            int n = epoll_wait(epfd, evs, Max, -1);
            if (n < 0) { if (errno == EINTR) continue; return; }
            for (int i = 0; i < n; i++)
            {
                int fd = evs[i].data.fd;
                lock (_armed) _armed.Remove(fd); // one-shot: disarmed until the next Arm
                if (_queues.TryGetValue(fd, out var q)) q.Notify();
            }
        }
    }
}
