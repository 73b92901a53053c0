using AppKernel.Sentry.FileSystems.DevPts;
using Microsoft.Extensions.Logging;
using static Tmds.Linux.LibC;

namespace AppKernel.Sentry.FileSystems.Host;

/// <summary>
/// runsc's own terminal as the guest's: the guest gets a Sentry pseudo-terminal (/dev/pts/N, its controlling
/// terminal) whose master the Sentry holds, and two host threads copy between that master and the host terminal,
/// which is put in raw mode so the Sentry's line discipline does all the work (echo, ^C, line editing) — as gVisor
/// and runc connect a container's console. The host terminal's modes come back on <see cref="Dispose"/>, after the
/// guest's last output is written; a size change (<see cref="SyncSize"/>, on SIGWINCH) reaches the guest as SIGWINCH.
/// </summary>
public sealed unsafe class HostConsole : IDisposable
{
    readonly int _hfd;
    readonly Termios _saved;
    readonly bool _restore;
    readonly Kernel.Kernel _kernel;
    volatile bool _closed;
    readonly Thread _input, _output;
    const int SizePollMs = 250;
    public Terminal Terminal { get; }

    HostConsole(Kernel.Kernel kernel, int hostFd, Terminal term)
    {
        _kernel = kernel;
        _hfd = hostFd;
        Terminal = term;
        term.Locked = false;
        Termios t;
        _restore = ioctl(_hfd, (int)TtyIoctl.TCGETS, &t) == 0;
        _saved = t;
        if (_restore)
        {
            // The guest's terminal starts with the user's modes (erase character, iutf8 …), as the terminal it is.
            var k = new Termios2 { Iflag = t.Iflag, Oflag = t.Oflag, Cflag = t.Cflag, Lflag = t.Lflag, Line = t.Line,
                Ispeed = term.Ld.Termios.Ispeed, Ospeed = term.Ld.Termios.Ospeed };
            for (int i = 0; i < Termios.NCCS; i++) k.Cc[i] = t.Cc[i];
            lock (term.Gate) term.Ld.SetTermios(k);
            MakeRaw(ref t);
            ioctl(_hfd, (int)TtyIoctl.TCSETS, &t);
        }
        SyncSize();
        _input = new Thread(InputLoop) { IsBackground = true, Name = "console-in" };
        _input.Start();
        _output = new Thread(OutputLoop) { IsBackground = true, Name = "console-out" };
        _output.Start();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Dispose();
    }

    /// <summary>cfmakeraw(3): no input or output processing, no echo, no signals, byte at a time.</summary>
    static void MakeRaw(ref Termios t)
    {
        t.Iflag &= ~(TermiosFlags.IGNBRK | TermiosFlags.BRKINT | TermiosFlags.PARMRK | TermiosFlags.ISTRIP |
            TermiosFlags.INLCR | TermiosFlags.IGNCR | TermiosFlags.ICRNL | TermiosFlags.IXON);
        t.Oflag &= ~TermiosFlags.OPOST;
        t.Lflag &= ~(TermiosFlags.ECHO | TermiosFlags.ECHONL | TermiosFlags.ICANON | TermiosFlags.ISIG | TermiosFlags.IEXTEN);
        t.Cflag = (t.Cflag & ~(TermiosFlags.CSIZE | TermiosFlags.PARENB)) | TermiosFlags.CS8;
        t.Cc[TermiosFlags.VMIN] = 1;
        t.Cc[TermiosFlags.VTIME] = 0;
    }

    /// <summary>A console for the first of the fds that is a terminal; null when none is.</summary>
    public static HostConsole? Attach(Kernel.Kernel kernel, IReadOnlyList<int> stdio, uint uid, uint gid)
    {
        foreach (int fd in stdio)
        {
            if (fd < 0 || isatty(fd) != 1) continue;
            // runsc in the background of its controlling terminal leaves it alone (raw mode or a read would stop it
            // with SIGTTOU/SIGTTIN); a terminal that is not its controlling one (a container's console) has no foreground.
            int fg = tcgetpgrp(fd);
            if (fg > 0 && fg != getpgid(0)) return null; // getpgid: the Sentry's seccomp policy has no getpgrp
            int h = dup(fd);
            if (h < 0) return null;
            fcntl(h, F_SETFD, FD_CLOEXEC);
            var term = kernel.DevPts.NewTerminal(uid, gid);
            if (term == null) { close(h); return null; }
            return new HostConsole(kernel, h, term);
        }
        return null;
    }

    /// <summary>Whether hostFd is this console's terminal (the same device).</summary>
    public bool Is(int hostFd)
    {
        Tmds.Linux.stat a, b;
        return isatty(hostFd) == 1 && fstat(hostFd, &a) == 0 && fstat(_hfd, &b) == 0 && a.st_rdev == b.st_rdev;
    }

    /// <summary>The host terminal's size to the guest's terminal (SIGWINCH to its foreground group if it changed).</summary>
    public void SyncSize()
    {
        WinSize w;
        if (ioctl(_hfd, (int)TtyIoctl.TIOCGWINSZ, &w) != 0) return;
        lock (_sizeLock)
        {
            // Only a change of the host's size: the guest may have set its own (stty cols), which stays until then.
            if (_hostSize is { } last && last.Same(w)) return;
            _hostSize = w;
        }
        Terminal.Resize(w);
    }

    readonly object _sizeLock = new();
    WinSize? _hostSize;

    void InputLoop()
    {
        var buf = new byte[4096];
        while (!_closed)
        {
            // A bounded wait, so Dispose finds the thread out of the fd before closing it.
            var pfd = new Tmds.Linux.pollfd { fd = _hfd, events = POLLIN };
            int ready = poll(&pfd, 1, SizePollMs);
            if (ready < 0 && errno != EINTR) return;
            if (ready <= 0) continue;
            long n;
            fixed (byte* p = buf) n = (long)read(_hfd, p, buf.Length);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0)
            {
                // The host terminal is gone: the guest's hangs up (SIGHUP to its session), as a closed master does.
                if (!_closed) Terminal.CloseMaster(_kernel);
                return;
            }
            Terminal.HostInput(buf.AsSpan(0, (int)n));
        }
    }

    void OutputLoop()
    {
        var buf = new byte[16384];
        while (true)
        {
            int n = Terminal.HostOutput(buf, SizePollMs);
            if (n == 0)
            {
                if (_closed) return;
                // A container's console gets no SIGWINCH here (the engine resizes the host pty): its size is polled.
                SyncSize();
                continue;
            }
            int off = 0;
            while (off < n)
            {
                long w;
                fixed (byte* p = buf) w = (long)write(_hfd, p + off, n - off);
                if (w < 0 && errno == EINTR) continue;
                if (w <= 0) break;
                off += (int)w;
            }
        }
    }

    /// <summary>Writes what the guest left and gives the host terminal its modes back (idempotent).</summary>
    public void Dispose()
    {
        if (_closed) return;
        // The guest's last output first: the output thread drains the queue (bounded, a stuck terminal cannot hold us).
        var deadline = Environment.TickCount64 + 2000;
        while (Terminal.OutputPending && Environment.TickCount64 < deadline) Thread.Sleep(5);
        _closed = true;
        _output.Join(500);
        if (_restore)
        {
            var t = _saved;
            ioctl(_hfd, (int)TtyIoctl.TCSETSW, &t);
        }
        // The fd goes only once both threads are out of it (a container's exec consoles come and go in one boot).
        if (_input.Join(2 * SizePollMs) && !_output.IsAlive) close(_hfd);
        _kernel.Log.LogDebug("console restored");
    }
}
