using Microsoft.Extensions.Logging;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;
using static AppKernel.TtyIoctl;

namespace AppKernel.Sentry.FileSystems.DevPts;

/// <summary>The terminal ioctls (tty_ioctl, tty_mode_ioctl, n_tty_ioctl and the pty driver's). Attributes, window
/// size and job control act on the replica whichever end is asked, as Linux's "real_tty"; queues and flow control
/// are each end's own.</summary>
public sealed unsafe partial class Terminal
{
    /// <summary>UNIX98_PTY_SLAVE_MAJOR.</summary>
    public const uint ReplicaMajor = 136;

    public long Ioctl(Task t, FileDescription file, bool master, uint cmd, ulong arg)
    {
        if (!master && HungUp) return cmd == TIOCSPGRP ? -(long)Errno.ENOTTY : -(long)Errno.EIO;
        bool readable = OpenFlags.CanRead(file.Flags);
        switch (cmd)
        {
            case TCGETS: { var k = Termios1(); return t.Mem.Write(arg, k) ? 0 : -(long)Errno.EFAULT; }
            case TCGETS2: { Termios2 k; lock (Gate) k = Ld.Termios; return t.Mem.Write(arg, k) ? 0 : -(long)Errno.EFAULT; }
            case TCSETS or TCSETSW or TCSETSF:
            {
                if (!t.Mem.Read(arg, out Termios k)) return -(long)Errno.EFAULT;
                return SetTermios(t, FromTermios1(k), cmd == TCSETSF);
            }
            case TCSETS2 or TCSETSW2 or TCSETSF2:
            {
                if (!t.Mem.Read(arg, out Termios2 k)) return -(long)Errno.EFAULT;
                return SetTermios(t, k, cmd == TCSETSF2);
            }
            case TIOCGWINSZ: { WinSize w; lock (Gate) w = Size; return t.Mem.Write(arg, w) ? 0 : -(long)Errno.EFAULT; }
            case TIOCSWINSZ:
            {
                if (!t.Mem.Read(arg, out WinSize w)) return -(long)Errno.EFAULT;
                Resize(w);
                return 0;
            }
            case FIONREAD:
            {
                int n;
                lock (Gate) n = master ? Ld.OutputQueued : Ld.InputQueued;
                return t.Mem.Write(arg, n) ? 0 : -(long)Errno.EFAULT;
            }
            case TIOCOUTQ: return t.Mem.Write(arg, 0) ? 0 : -(long)Errno.EFAULT; // a pty keeps no transmit queue
            case TCFLSH: return Flush(t, master, (int)arg);
            case TCXONC: return FlowControl(t, master, (int)arg);
            case TCSBRK or TCSBRKP or TIOCSBRK or TIOCCBRK:
            {
                long jc = t.TerminalAccess(this, Task.SIGTTOU);
                return jc < 0 ? jc : 0; // a pty has no line to break; tcdrain has nothing to wait for
            }
            case TIOCSCTTY: return -(long)JobControl.SetControlling(t, this, arg, readable);
            case TIOCNOTTY: return master ? -(long)Errno.ENOTTY : -(long)JobControl.NoTty(t, this);
            case TIOCGPGRP:
                if (!master && t.Tty != this) return -(long)Errno.ENOTTY;
                return t.Mem.Write(arg, t.PidNs.IdOf(ForegroundGroup)) ? 0 : -(long)Errno.EFAULT;
            case TIOCSPGRP: return JobControl.SetForeground(t, this, arg);
            case TIOCGSID:
                if (!master && t.Tty != this) return -(long)Errno.ENOTTY;
                if (Session == 0) return -(long)Errno.ENOTTY;
                return t.Mem.Write(arg, t.PidNs.IdOf(Session)) ? 0 : -(long)Errno.EFAULT;
            case TIOCSTI:
            {
                if (t.Tty != this && !t.Creds.Has(Credentials.CAP_SYS_ADMIN)) return -(long)Errno.EPERM;
                if (!t.Mem.Read(arg, out byte ch)) return -(long)Errno.EFAULT;
                if (master) lock (Gate) { Ld.SendChar(ch); Changed(); }
                else MasterWrite(null, [ch], nonblock: true);
                return 0;
            }
            case TIOCEXCL: lock (Gate) Exclusive = true; return 0;
            case TIOCNXCL: lock (Gate) Exclusive = false; return 0;
            case TIOCGEXCL: return t.Mem.Write(arg, Exclusive ? 1 : 0) ? 0 : -(long)Errno.EFAULT;
            case TIOCGETD: return t.Mem.Write(arg, 0) ? 0 : -(long)Errno.EFAULT; // N_TTY
            case TIOCSETD:
                if (!t.Mem.Read(arg, out int ldisc)) return -(long)Errno.EFAULT;
                return ldisc == 0 ? 0 : -(long)Errno.EINVAL;
            case TIOCGDEV: return t.Mem.Write(arg, (uint)Node.Rdev) ? 0 : -(long)Errno.EFAULT;
            case TIOCGLCKTRMIOS: return t.Mem.Write(arg, default(Termios)) ? 0 : -(long)Errno.EFAULT;
            case TIOCSLCKTRMIOS or TIOCCONS or TIOCVHANGUP:
                return t.Creds.Has(Credentials.CAP_SYS_ADMIN) ? 0 : -(long)Errno.EPERM;
        }
        if (!master) return cmd switch
        {
            TIOCGPTPEER => -(long)Errno.EIO, // ptm_open_peer: not a master
            TIOCGPTN or TIOCSPTLCK or TIOCGPTLCK or TIOCPKT or TIOCGPKT or TIOCSIG => -(long)Errno.ENOTTY, // the master's
            _ => Unknown(cmd),
        };
        switch (cmd)
        {
            case TIOCGPTN: return t.Mem.Write(arg, (uint)Index) ? 0 : -(long)Errno.EFAULT;
            case TIOCSPTLCK:
                if (!t.Mem.Read(arg, out int lockIt)) return -(long)Errno.EFAULT;
                lock (Gate) Locked = lockIt != 0;
                return 0;
            case TIOCGPTLCK: return t.Mem.Write(arg, Locked ? 1 : 0) ? 0 : -(long)Errno.EFAULT;
            case TIOCPKT:
            {
                if (!t.Mem.Read(arg, out int on)) return -(long)Errno.EFAULT;
                lock (Gate)
                {
                    if (on != 0 && !Ld.Packet) Ld.PacketStatus = 0;
                    Ld.Packet = on != 0;
                }
                return 0;
            }
            case TIOCGPKT: return t.Mem.Write(arg, Ld.Packet ? 1 : 0) ? 0 : -(long)Errno.EFAULT;
            case TIOCSIG:
            {
                int sig = (int)arg;
                if (sig <= 0 || sig > SignalState.NSig) return -(long)Errno.EINVAL;
                int fg = ForegroundGroup;
                if (fg != 0) JobControl.SignalGroup(Fs.Kernel, fg, sig);
                return 0;
            }
            case TIOCGPTPEER: return Fs.OpenPeer(t, this, (int)arg);
        }
        return Unknown(cmd);
    }

    static readonly HashSet<uint> s_logged = new();

    /// <summary>An ioctl no terminal answers here: ENOTTY, as Linux's tty_ioctl for one it does not know; logged once.</summary>
    long Unknown(uint cmd)
    {
        bool first;
        lock (s_logged) first = s_logged.Add(cmd);
        if (first) Fs.Kernel.Log.LogInformation("terminal ioctl 0x{Cmd:x}: not implemented (ENOTTY)", cmd);
        return -(long)Errno.ENOTTY;
    }

    Termios Termios1()
    {
        Termios k;
        lock (Gate)
        {
            var s = Ld.Termios;
            k = new Termios { Iflag = s.Iflag, Oflag = s.Oflag, Cflag = s.Cflag, Lflag = s.Lflag, Line = s.Line };
            for (int i = 0; i < AppKernel.Termios.NCCS; i++) k.Cc[i] = s.Cc[i];
        }
        return k;
    }

    /// <summary>The old termios has no speed fields: they follow the baud bits of c_cflag (CIBAUD 0: as output).</summary>
    static Termios2 FromTermios1(Termios k)
    {
        var t = new Termios2 { Iflag = k.Iflag, Oflag = k.Oflag, Cflag = k.Cflag, Lflag = k.Lflag, Line = k.Line };
        for (int i = 0; i < AppKernel.Termios.NCCS; i++) t.Cc[i] = k.Cc[i];
        t.Ospeed = Baud(k.Cflag & TermiosFlags.CBAUD);
        uint ibaud = (k.Cflag >> TermiosFlags.IBSHIFT) & TermiosFlags.CBAUD;
        t.Ispeed = ibaud == 0 ? t.Ospeed : Baud(ibaud);
        return t;
    }

    static readonly uint[] BaudTable = [0, 50, 75, 110, 134, 150, 200, 300, 600, 1200, 1800, 2400, 4800, 9600, 19200, 38400,
        57600, 115200, 230400, 460800, 500000, 576000, 921600, 1000000, 1152000, 1500000, 2000000, 2500000, 3000000,
        3500000, 4000000];

    /// <summary>The speeds c_cflag names (tty_termios_baud_rate): BOTHER keeps the given one, input B0 follows output.</summary>
    static Termios2 WithSpeeds(Termios2 k)
    {
        uint cbaud = k.Cflag & TermiosFlags.CBAUD;
        if (cbaud != TermiosFlags.BOTHER) k.Ospeed = Baud(cbaud);
        uint ibaud = (k.Cflag >> TermiosFlags.IBSHIFT) & TermiosFlags.CBAUD;
        if (ibaud == 0) k.Ispeed = k.Ospeed;
        else if (ibaud != TermiosFlags.BOTHER) k.Ispeed = Baud(ibaud);
        return k;
    }

    static uint Baud(uint cbaud)
    {
        int i = (int)(cbaud & 0xf);
        if ((cbaud & TermiosFlags.CBAUDEX) != 0) i += 15;
        return i < BaudTable.Length ? BaudTable[i] : 0;
    }

    long SetTermios(Task t, Termios2 k, bool flush)
    {
        long jc = t.TerminalAccess(this, Task.SIGTTOU);
        if (jc < 0) return jc;
        lock (Gate)
        {
            if (flush)
            {
                Ld.FlushInput();
                if (Ld.Packet) Ld.PacketStatus |= TIOCPKT_FLUSHREAD;
            }
            Ld.SetTermios(WithSpeeds(k));
            TakeMoreInput();
        }
        return 0;
    }

    /// <summary>TIOCSWINSZ on either end: a new size is SIGWINCH for the foreground group.</summary>
    public void Resize(WinSize w)
    {
        lock (Gate)
        {
            if (w.Same(Size)) return;
            Size = w;
        }
        SignalForeground([Task.SIGWINCH]);
    }

    long Flush(Task t, bool master, int which)
    {
        if (which is < TCIFLUSH or > TCIOFLUSH) return -(long)Errno.EINVAL;
        long jc = t.TerminalAccess(this, Task.SIGTTOU);
        if (jc < 0) return jc;
        bool input = which != TCOFLUSH, output = which != TCIFLUSH;
        lock (Gate)
        {
            if (master)
            {
                if (input) Ld.FlushOutput();
                if (output) Ld.FlushPending();
            }
            else
            {
                // Output already queued for the master sits in its read buffer, which a replica's flush leaves alone.
                if (input) Ld.FlushInput();
                if (Ld.Packet) Ld.PacketStatus |= (byte)((input ? TIOCPKT_FLUSHREAD : 0) | (output ? TIOCPKT_FLUSHWRITE : 0));
            }
            TakeMoreInput();
        }
        return 0;
    }

    long FlowControl(Task t, bool master, int action)
    {
        long jc = t.TerminalAccess(this, Task.SIGTTOU);
        if (jc < 0) return jc;
        lock (Gate)
        {
            switch (action)
            {
                case TCOOFF:
                    if (master) _masterStopped = true;
                    else if (!Ld.TcoStopped) { Ld.TcoStopped = true; Ld.Stop(); }
                    break;
                case TCOON:
                    if (master) _masterStopped = false;
                    else if (Ld.TcoStopped) { Ld.TcoStopped = false; Ld.Start(); }
                    break;
                case TCIOFF or TCION:
                {
                    byte c = Ld.Termios.Cc[action == TCIOFF ? TermiosFlags.VSTOP : TermiosFlags.VSTART];
                    if (c == 0) break;
                    if (master) Ld.Receive([c], new List<int>());
                    else Ld.SendChar(c);
                    break;
                }
                default: return -(long)Errno.EINVAL;
            }
            Changed();
        }
        return 0;
    }
}
