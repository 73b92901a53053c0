using System.Runtime.InteropServices;

namespace AppKernel;

/// <summary>The kernel's struct termios (asm-generic/termbits.h, 36 bytes) that TCGETS/TCSETS copy — not glibc's
/// 60-byte userspace termios, which adds speed fields the kernel never reads or writes.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct Termios
{
    public const int NCCS = 19;
    public uint Iflag, Oflag, Cflag, Lflag;
    public byte Line;
    public fixed byte Cc[NCCS];
}

/// <summary>struct termios2 (44 bytes): termios with the input and output speeds, for TCGETS2/TCSETS2.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct Termios2
{
    public uint Iflag, Oflag, Cflag, Lflag;
    public byte Line;
    public fixed byte Cc[Termios.NCCS];
    public uint Ispeed, Ospeed;
}

/// <summary>struct winsize (8 bytes) for TIOCGWINSZ/TIOCSWINSZ.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct WinSize
{
    public ushort Row, Col, Xpixel, Ypixel;

    /// <summary>Every field equal (a size change, pixels included, is what SIGWINCH reports).</summary>
    public readonly bool Same(WinSize o) => Row == o.Row && Col == o.Col && Xpixel == o.Xpixel && Ypixel == o.Ypixel;
}

/// <summary>The terminal ioctl numbers of x86-64 (asm-generic/ioctls.h).</summary>
public static class TtyIoctl
{
    public const uint TCGETS = 0x5401, TCSETS = 0x5402, TCSETSW = 0x5403, TCSETSF = 0x5404;
    public const uint TCGETA = 0x5405, TCSETA = 0x5406, TCSETAW = 0x5407, TCSETAF = 0x5408;
    public const uint TCSBRK = 0x5409, TCXONC = 0x540a, TCFLSH = 0x540b, TIOCEXCL = 0x540c, TIOCNXCL = 0x540d;
    public const uint TIOCSCTTY = 0x540e, TIOCGPGRP = 0x540f, TIOCSPGRP = 0x5410, TIOCOUTQ = 0x5411, TIOCSTI = 0x5412;
    public const uint TIOCGWINSZ = 0x5413, TIOCSWINSZ = 0x5414, TIOCMGET = 0x5415, FIONREAD = 0x541b, TIOCCONS = 0x541d;
    public const uint TIOCPKT = 0x5420, TIOCNOTTY = 0x5422, TIOCSETD = 0x5423, TIOCGETD = 0x5424, TCSBRKP = 0x5425;
    public const uint TIOCSBRK = 0x5427, TIOCCBRK = 0x5428, TIOCGSID = 0x5429;
    public const uint TCGETS2 = 0x802c542a, TCSETS2 = 0x402c542b, TCSETSW2 = 0x402c542c, TCSETSF2 = 0x402c542d;
    public const uint TIOCGPTN = 0x80045430, TIOCSPTLCK = 0x40045431, TIOCGDEV = 0x80045432, TIOCSIG = 0x40045436;
    public const uint TIOCVHANGUP = 0x5437, TIOCGPKT = 0x80045438, TIOCGPTLCK = 0x80045439, TIOCGEXCL = 0x80045440;
    public const uint TIOCGPTPEER = 0x5441, TIOCGLCKTRMIOS = 0x5456, TIOCSLCKTRMIOS = 0x5457;

    /// <summary>TCFLSH's queues and TCXONC's actions.</summary>
    public const int TCIFLUSH = 0, TCOFLUSH = 1, TCIOFLUSH = 2;
    public const int TCOOFF = 0, TCOON = 1, TCIOFF = 2, TCION = 3;

    /// <summary>The status byte a packet-mode master read starts with.</summary>
    public const byte TIOCPKT_DATA = 0, TIOCPKT_FLUSHREAD = 1, TIOCPKT_FLUSHWRITE = 2, TIOCPKT_STOP = 4, TIOCPKT_START = 8,
        TIOCPKT_NOSTOP = 16, TIOCPKT_DOSTOP = 32;
}

/// <summary>termios flag bits and c_cc indexes (asm-generic/termbits.h).</summary>
public static class TermiosFlags
{
    // c_iflag
    public const uint IGNBRK = 0x1, BRKINT = 0x2, IGNPAR = 0x4, PARMRK = 0x8, INPCK = 0x10, ISTRIP = 0x20, INLCR = 0x40,
        IGNCR = 0x80, ICRNL = 0x100, IUCLC = 0x200, IXON = 0x400, IXANY = 0x800, IXOFF = 0x1000, IMAXBEL = 0x2000, IUTF8 = 0x4000;
    // c_oflag
    public const uint OPOST = 0x1, OLCUC = 0x2, ONLCR = 0x4, OCRNL = 0x8, ONOCR = 0x10, ONLRET = 0x20, TABDLY = 0x1800, XTABS = 0x1800;
    // c_cflag
    public const uint CBAUD = 0x100f, B38400 = 0xf, CSIZE = 0x30, CS8 = 0x30, CREAD = 0x80, PARENB = 0x100, HUPCL = 0x400,
        CBAUDEX = 0x1000, BOTHER = 0x1000, CIBAUD = 0x100f0000;
    public const int IBSHIFT = 16;
    // c_lflag
    public const uint ISIG = 0x1, ICANON = 0x2, ECHO = 0x8, ECHOE = 0x10, ECHOK = 0x20, ECHONL = 0x40, NOFLSH = 0x80,
        TOSTOP = 0x100, ECHOCTL = 0x200, ECHOPRT = 0x400, ECHOKE = 0x800, FLUSHO = 0x1000, PENDIN = 0x4000, IEXTEN = 0x8000,
        EXTPROC = 0x10000;
    // c_cc
    public const int VINTR = 0, VQUIT = 1, VERASE = 2, VKILL = 3, VEOF = 4, VTIME = 5, VMIN = 6, VSWTC = 7, VSTART = 8,
        VSTOP = 9, VSUSP = 10, VEOL = 11, VREPRINT = 12, VDISCARD = 13, VWERASE = 14, VLNEXT = 15, VEOL2 = 16;
}
