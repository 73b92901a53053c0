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
}

/// <summary>The terminal ioctl numbers of x86-64 (asm-generic/ioctls.h).</summary>
public static class TtyIoctl
{
    public const uint TCGETS = 0x5401, TCSETS = 0x5402, TCSETSW = 0x5403, TCSETSF = 0x5404;
    public const uint TCSBRK = 0x5409, TCXONC = 0x540a, TCFLSH = 0x540b;
    public const uint TIOCSCTTY = 0x540e, TIOCGPGRP = 0x540f, TIOCSPGRP = 0x5410, TIOCOUTQ = 0x5411;
    public const uint TIOCGWINSZ = 0x5413, TIOCSWINSZ = 0x5414, FIONREAD = 0x541b, TIOCNOTTY = 0x5422;
    public const uint TIOCGSID = 0x5429;
    public const uint TCGETS2 = 0x802c542a, TCSETS2 = 0x402c542b, TCSETSW2 = 0x402c542c, TCSETSF2 = 0x402c542d;
}
