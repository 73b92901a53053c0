using static AppKernel.TermiosFlags;

namespace AppKernel.Sentry.FileSystems.DevPts;

/// <summary>
/// The line discipline of one pseudo-terminal (Linux's n_tty): what the master writes is input, processed into
/// the replica's read buffer (canonical lines with erase/kill/EOF, or raw bytes), echoed and turned into signals;
/// what the replica writes is output, processed (OPOST) into the queue the master reads. It only moves bytes:
/// the caller (<see cref="Terminal"/>) holds the terminal's lock, blocks, wakes readers and sends the signals.
/// </summary>
public sealed unsafe class LineDiscipline
{
    /// <summary>N_TTY_BUF_SIZE: the replica's read buffer (one canonical line holds at most this less one).</summary>
    public const int BufSize = 4096;
    /// <summary>tty_buffer_set_limit of a pty port: bytes a writer may queue for the other side's discipline.</summary>
    public const int FlipLimit = 8192;
    /// <summary>The flip buffer checks its limit before allocating a chunk of up to this much (TTY_BUFFER_PAGE), so
    /// a writer gets that far past it.</summary>
    const int FlipOverAllocation = 2048;
    /// <summary>Echoes may go past a full output queue by this much (n_tty's separate echo buffer).</summary>
    const int EchoRoom = 4096;
    const byte DisabledChar = 0; // _POSIX_VDISABLE, and the mark an EOF leaves in a line
    const int SpacesPerTab = 8;

    public Termios2 Termios = Defaults();

    // Input: bytes the master wrote (the replica's flip buffer), then the read buffer. Positions grow without
    // bound and are masked into the ring, as n_tty's; _lineEnd marks a canonical line's last byte.
    readonly ByteQueue _pending = new(FlipLimit + FlipOverAllocation);
    readonly byte[] _rb = new byte[BufSize];
    readonly bool[] _lineEnd = new bool[BufSize];
    long _tail, _head, _canonHead;
    bool _lnext, _erasing;
    int _column, _canonColumn;

    // Output: processed bytes for the master to read (the master's flip buffer and read buffer).
    readonly ByteQueue _out = new(FlipLimit + BufSize + EchoRoom);
    const int OutLimit = FlipLimit + BufSize;

    /// <summary>Output stopped by the STOP character (or TCOOFF: TcoStopped); replica writes wait.</summary>
    public bool Stopped, TcoStopped;
    /// <summary>TIOCPKT on the master, and the status bits its next read reports.</summary>
    public bool Packet;
    public byte PacketStatus;

    /// <summary>The termios a new pty's replica has (Linux's tty_std_termios with the pty driver's c_cflag).</summary>
    public static Termios2 Defaults()
    {
        var t = new Termios2
        {
            Iflag = ICRNL | IXON,
            Oflag = OPOST | ONLCR,
            Cflag = B38400 | CS8 | CREAD,
            Lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN,
            Ispeed = 38400,
            Ospeed = 38400,
        };
        ReadOnlySpan<byte> cc = [3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0];
        for (int i = 0; i < cc.Length; i++) t.Cc[i] = cc[i];
        return t;
    }

    bool I(uint f) => (Termios.Iflag & f) != 0;
    bool O(uint f) => (Termios.Oflag & f) != 0;
    bool L(uint f) => (Termios.Lflag & f) != 0;
    byte Cc(int i) => Termios.Cc[i];
    public bool Canonical => L(ICANON);
    public int Vmin => Termios.Cc[VMIN];
    public int Vtime => Termios.Cc[VTIME];

    /// <summary>The kernel's iscntrl: C0 and DEL (its ctype table gives bytes from 0x80 no class).</summary>
    static bool IsCntrl(byte c) => c < 0x20 || c == 0x7f;
    bool IsContinuation(byte c) => I(IUTF8) && (c & 0xc0) == 0x80;
    int ReadCount => (int)(_head - _tail);

    // ---- termios ----

    /// <summary>Installs new attributes (n_tty_set_termios and pty_set_termios): switching canonical mode makes
    /// what is buffered one readable line (on) or plain bytes (off); IXON off restarts stopped output.</summary>
    public void SetTermios(Termios2 t)
    {
        var old = Termios;
        t.Cflag = (t.Cflag & ~(CSIZE | PARENB)) | CS8 | CREAD; // a pty is always 8 bits, receiving
        Termios = t;
        if (((old.Lflag ^ t.Lflag) & (ICANON | EXTPROC)) != 0)
        {
            Array.Clear(_lineEnd);
            if (!L(ICANON) || ReadCount == 0) _canonHead = _tail;
            else
            {
                _lineEnd[(_head - 1) & (BufSize - 1)] = true;
                _canonHead = _head;
            }
            _erasing = false;
            _lnext = false;
        }
        if (!I(IXON) && Stopped && !TcoStopped) Start();
        if (Packet)
        {
            bool oldFlow = (old.Iflag & IXON) != 0 && old.Cc[VSTOP] == 0x13 && old.Cc[VSTART] == 0x11;
            bool newFlow = I(IXON) && Cc(VSTOP) == 0x13 && Cc(VSTART) == 0x11;
            if (oldFlow != newFlow)
            {
                PacketStatus &= unchecked((byte)~(TtyIoctl.TIOCPKT_DOSTOP | TtyIoctl.TIOCPKT_NOSTOP));
                PacketStatus |= newFlow ? TtyIoctl.TIOCPKT_DOSTOP : TtyIoctl.TIOCPKT_NOSTOP;
            }
        }
        // Input waiting for room may fit now (canonical mode may have been switched off).
    }

    // ---- input: the master writes, the replica reads ----

    public int PendingFree => _pending.Free;

    /// <summary>Takes what fits of the master's bytes and processes as much as the read buffer has room for.
    /// Signals the special characters raise are added to signals.</summary>
    public int Receive(ReadOnlySpan<byte> src, List<int> signals)
    {
        int n = _pending.Enqueue(src);
        ProcessInput(signals);
        return n;
    }

    /// <summary>Moves pending input into the read buffer while it has room (n_tty_receive_buf_common's room rule:
    /// a full canonical buffer with no complete line keeps overwriting its last byte, so a newline still ends it).</summary>
    public void ProcessInput(List<int> signals)
    {
        while (_pending.Count > 0)
        {
            int room = BufSize - ReadCount - 1;
            if (room <= 0)
            {
                bool overflow = L(ICANON) && _canonHead == _tail;
                if (!overflow) return;
                if (room < 0) _head--;
            }
            byte c = _pending.Peek();
            _pending.Skip(1);
            ReceiveChar(c, signals);
        }
    }

    bool IsSpecial(byte c)
    {
        if (c == DisabledChar) return false;
        if (c == '\r' && (I(IGNCR) || I(ICRNL))) return true;
        if (c == '\n' && I(INLCR)) return true;
        if (L(ICANON))
        {
            if (c == Cc(VERASE) || c == Cc(VKILL) || c == Cc(VEOF) || c == '\n' || c == Cc(VEOL)) return true;
            if (L(IEXTEN) && (c == Cc(VWERASE) || c == Cc(VLNEXT) || c == Cc(VEOL2) || (L(ECHO) && c == Cc(VREPRINT)))) return true;
        }
        if (I(IXON) && (c == Cc(VSTART) || c == Cc(VSTOP))) return true;
        if (L(ISIG) && (c == Cc(VINTR) || c == Cc(VQUIT) || c == Cc(VSUSP))) return true;
        return false;
    }

    void ReceiveChar(byte c, List<int> signals)
    {
        if (_lnext)
        {
            _lnext = false;
            if (I(ISTRIP)) c &= 0x7f;
            if (I(IUCLC) && L(IEXTEN)) c = (byte)char.ToLowerInvariant((char)c);
            NormalChar(c);
            return;
        }
        if (I(ISTRIP)) c &= 0x7f;
        if (I(IUCLC) && L(IEXTEN) && c < 0x80) c = (byte)char.ToLowerInvariant((char)c);
        if (IsSpecial(c)) SpecialChar(c, signals);
        else NormalChar(c);
    }

    void SpecialChar(byte c, List<int> signals)
    {
        if (I(IXON) && (c == Cc(VSTART) || c == Cc(VSTOP)))
        {
            if (c == Cc(VSTART)) Start(); else Stop();
            return;
        }
        if (L(ISIG))
        {
            int sig = c == Cc(VINTR) ? Kernel.Task.SIGINT : c == Cc(VQUIT) ? Kernel.Task.SIGQUIT : c == Cc(VSUSP) ? Kernel.Task.SIGTSTP : 0;
            if (sig != 0)
            {
                signals.Add(sig);
                if (!L(NOFLSH))
                {
                    ResetInput();
                    if (Packet) PacketStatus |= TtyIoctl.TIOCPKT_FLUSHREAD | TtyIoctl.TIOCPKT_FLUSHWRITE;
                }
                if (I(IXON)) Start();
                if (L(ECHO)) EchoChar(c);
                return;
            }
        }
        if (Stopped && !TcoStopped && I(IXON) && I(IXANY)) Start();
        if (c == '\r')
        {
            if (I(IGNCR)) return;
            if (I(ICRNL)) c = (byte)'\n';
        }
        else if (c == '\n' && I(INLCR)) c = (byte)'\r';

        if (L(ICANON))
        {
            if (c == Cc(VERASE) || c == Cc(VKILL) || (c == Cc(VWERASE) && L(IEXTEN))) { Erase(c); return; }
            if (c == Cc(VLNEXT) && L(IEXTEN))
            {
                _lnext = true;
                if (L(ECHO))
                {
                    FinishErasing();
                    if (L(ECHOCTL)) { EchoRaw((byte)'^'); EchoRaw((byte)'\b'); }
                }
                return;
            }
            if (c == Cc(VREPRINT) && L(ECHO) && L(IEXTEN))
            {
                FinishErasing();
                EchoChar(c);
                EchoRaw((byte)'\n');
                for (long i = _canonHead; i < _head; i++) EchoChar(_rb[i & (BufSize - 1)]);
                return;
            }
            if (c == '\n')
            {
                if (L(ECHO) || L(ECHONL)) EchoRaw((byte)'\n');
                EndLine(c);
                return;
            }
            if (c == Cc(VEOF)) { EndLine(DisabledChar); return; }
            if (c == Cc(VEOL) || (c == Cc(VEOL2) && L(IEXTEN)))
            {
                if (L(ECHO))
                {
                    if (_canonHead == _head) _canonColumn = _column;
                    EchoChar(c);
                }
                if (c == 0xff && I(PARMRK)) Put(c);
                EndLine(c);
                return;
            }
        }
        NormalChar(c);
    }

    void NormalChar(byte c)
    {
        if (Stopped && !TcoStopped && I(IXON) && I(IXANY)) Start();
        if (L(ECHO))
        {
            FinishErasing();
            if (_canonHead == _head) _canonColumn = _column;
            EchoChar(c);
        }
        if (c == 0xff && I(PARMRK)) Put(c);
        Put(c);
    }

    void Put(byte c)
    {
        _rb[_head & (BufSize - 1)] = c;
        _head++;
    }

    void EndLine(byte c)
    {
        _lineEnd[_head & (BufSize - 1)] = true;
        Put(c);
        _canonHead = _head;
    }

    /// <summary>VERASE, VWERASE and VKILL on the line being edited, with their echoes (n_tty's eraser).</summary>
    void Erase(byte c)
    {
        if (_head == _canonHead) return;
        bool erase = c == Cc(VERASE), werase = !erase && c == Cc(VWERASE);
        if (!erase && !werase)
        {
            if (!L(ECHO)) { _head = _canonHead; return; }
            if (!L(ECHOK) || !L(ECHOKE) || !L(ECHOE))
            {
                _head = _canonHead;
                FinishErasing();
                EchoChar(Cc(VKILL));
                if (L(ECHOK)) EchoRaw((byte)'\n');
                return;
            }
        }
        bool seenAlnum = false;
        while (_head != _canonHead)
        {
            long h = _head;
            byte ch;
            do { h--; ch = _rb[h & (BufSize - 1)]; } while (IsContinuation(ch) && h != _canonHead);
            if (IsContinuation(ch)) break; // never half a character
            if (werase)
            {
                if (char.IsAsciiLetterOrDigit((char)ch) || ch == '_') seenAlnum = true;
                else if (seenAlnum) break;
            }
            _head = h;
            if (L(ECHO))
            {
                if (L(ECHOPRT))
                {
                    if (!_erasing) { EchoRaw((byte)'\\'); _erasing = true; }
                    EchoChar(ch);
                }
                else if (erase && !L(ECHOE)) EchoChar(Cc(VERASE));
                else if (ch == '\t') EraseTab();
                else
                {
                    if (IsCntrl(ch) && L(ECHOCTL)) EchoBackspace();
                    if (!IsCntrl(ch) || L(ECHOCTL)) EchoBackspace();
                }
            }
            if (erase) break;
        }
        if (_head == _canonHead && L(ECHO)) FinishErasing();
    }

    /// <summary>Backs the cursor over an erased tab: back to the column the tab started in.</summary>
    void EraseTab()
    {
        int chars = 0;
        bool afterTab = false;
        for (long i = _head; i != _canonHead;)
        {
            byte ch = _rb[--i & (BufSize - 1)];
            if (ch == '\t') { afterTab = true; break; }
            if (IsCntrl(ch)) { if (L(ECHOCTL)) chars += 2; }
            else if (!IsContinuation(ch)) chars++;
        }
        if (!afterTab) chars += _canonColumn;
        int back = SpacesPerTab - (chars & (SpacesPerTab - 1));
        for (int i = 0; i < back; i++)
        {
            _out.Enqueue((byte)'\b');
            if (_column > 0) _column--;
        }
    }

    void EchoBackspace() { EchoRaw((byte)'\b'); EchoRaw((byte)' '); EchoRaw((byte)'\b'); }

    void FinishErasing()
    {
        if (!_erasing) return;
        EchoRaw((byte)'/');
        _erasing = false;
    }

    /// <summary>Echoes c, a control character as ^X when ECHOCTL (not tab, newline or start/stop of output).</summary>
    void EchoChar(byte c)
    {
        if (L(ECHOCTL) && IsCntrl(c) && c != '\t')
        {
            if (_out.Count + 2 > _out.Capacity) return;
            _out.Enqueue((byte)'^');
            _out.Enqueue((byte)(c ^ 0x40));
            _column += 2;
            return;
        }
        EchoRaw(c);
    }

    /// <summary>Echoes c as output (processed when OPOST, as n_tty's process_echoes).</summary>
    void EchoRaw(byte c)
    {
        if (O(OPOST)) OutputChar(c, _out.Capacity - _out.Count);
        else _out.Enqueue(c);
    }

    /// <summary>n_tty_reset: drops the read buffer and the line being edited.</summary>
    void ResetInput()
    {
        _tail = _head = _canonHead = 0;
        Array.Clear(_lineEnd);
        _lnext = _erasing = false;
    }

    /// <summary>TCIFLUSH on the replica: its read buffer and what the master wrote that is not yet in it.</summary>
    public void FlushInput()
    {
        ResetInput();
        _pending.Clear();
    }

    /// <summary>TCOFLUSH on the master: what it wrote that the discipline has not taken yet.</summary>
    public void FlushPending() => _pending.Clear();

    /// <summary>Whether a replica read finds something (n_tty's input_available_p; a poll of a raw terminal with
    /// VMIN > 0 and no VTIME wants VMIN bytes).</summary>
    public bool InputAvailable(bool poll)
    {
        if (L(ICANON)) return _canonHead != _tail;
        int want = poll && Vtime == 0 && Vmin > 0 ? Vmin : 1;
        return ReadCount >= want;
    }

    /// <summary>FIONREAD on the replica: complete lines (less their EOF marks) when canonical, else all.</summary>
    public int InputQueued
    {
        get
        {
            if (!L(ICANON)) return ReadCount;
            int n = 0;
            for (long i = _tail; i < _canonHead; i++)
                if (!(_lineEnd[i & (BufSize - 1)] && _rb[i & (BufSize - 1)] == DisabledChar)) n++;
            return n;
        }
    }

    /// <summary>Reads at most one canonical line (or what fits of it); its EOF mark is consumed, not copied.</summary>
    public int ReadLine(Span<byte> dst)
    {
        if (dst.Length == 0) return 0;
        int avail = (int)Math.Min(dst.Length, _canonHead - _tail);
        int n = 0;
        bool found = false;
        for (; n < avail; n++)
            if (_lineEnd[(_tail + n) & (BufSize - 1)]) { found = true; break; }
        long eol = _tail + n;
        int copy = n + (found && _rb[eol & (BufSize - 1)] != DisabledChar ? 1 : 0);
        for (int i = 0; i < copy; i++) dst[i] = _rb[(_tail + i) & (BufSize - 1)];
        if (found) _lineEnd[eol & (BufSize - 1)] = false;
        _tail += n + (found ? 1 : 0);
        return copy;
    }

    /// <summary>Non-canonical read: whatever is buffered, up to dst.Length.</summary>
    public int ReadRaw(Span<byte> dst)
    {
        int n = Math.Min(dst.Length, ReadCount);
        for (int i = 0; i < n; i++) dst[i] = _rb[(_tail + i) & (BufSize - 1)];
        _tail += n;
        if (_canonHead < _tail) _canonHead = _tail;
        return n;
    }

    // ---- output: the replica writes, the master reads ----

    public int OutputQueued => _out.Count;
    public bool OutputRoom => _out.Count < OutLimit;

    /// <summary>Writes the replica's bytes into the output queue, processed when OPOST; returns how many were
    /// taken (0 when the queue is full or output is stopped).</summary>
    public int Write(ReadOnlySpan<byte> src)
    {
        if (Stopped) return 0;
        int done = 0;
        if (!O(OPOST))
        {
            done = Math.Min(src.Length, OutLimit - _out.Count);
            if (done > 0) _out.Enqueue(src[..done]);
            return done;
        }
        for (; done < src.Length; done++)
            if (OutputChar(src[done], OutLimit - _out.Count) < 0) break;
        return done;
    }

    /// <summary>One output character through OPOST's mapping (n_tty's do_output_char); -1 when it does not fit.</summary>
    int OutputChar(byte c, int space)
    {
        if (space <= 0) return -1;
        switch (c)
        {
            case (byte)'\n':
                if (O(ONLRET)) _column = 0;
                if (O(ONLCR))
                {
                    if (space < 2) return -1;
                    _canonColumn = _column = 0;
                    _out.Enqueue((byte)'\r');
                    _out.Enqueue((byte)'\n');
                    return 2;
                }
                _canonColumn = _column;
                break;
            case (byte)'\r':
                if (O(ONOCR) && _column == 0) return 0;
                if (O(OCRNL))
                {
                    c = (byte)'\n';
                    if (O(ONLRET)) _canonColumn = _column = 0;
                    break;
                }
                _canonColumn = _column = 0;
                break;
            case (byte)'\t':
                int spaces = SpacesPerTab - (_column & (SpacesPerTab - 1));
                if ((Termios.Oflag & TABDLY) == XTABS)
                {
                    if (space < spaces) return -1;
                    _column += spaces;
                    for (int i = 0; i < spaces; i++) _out.Enqueue((byte)' ');
                    return spaces;
                }
                _column += spaces;
                break;
            case (byte)'\b':
                if (_column > 0) _column--;
                break;
            default:
                if (!IsCntrl(c))
                {
                    if (O(OLCUC)) c = (byte)char.ToUpperInvariant((char)c);
                    if (!IsContinuation(c)) _column++;
                }
                break;
        }
        _out.Enqueue(c);
        return 1;
    }

    /// <summary>The master's read.</summary>
    public int ReadOutput(Span<byte> dst) => _out.Dequeue(dst);

    /// <summary>TCOFLUSH on the replica or TCIFLUSH on the master: output the master has not read.</summary>
    public void FlushOutput() => _out.Clear();

    /// <summary>TCIOFF/TCION and the flow-control characters a replica sends its master.</summary>
    public void SendChar(byte c) => _out.Enqueue(c);

    public void Stop()
    {
        if (Stopped) return;
        Stopped = true;
        if (Packet) PacketStatus = (byte)((PacketStatus & ~TtyIoctl.TIOCPKT_START) | TtyIoctl.TIOCPKT_STOP);
    }

    public void Start()
    {
        if (!Stopped || TcoStopped) return;
        Stopped = false;
        if (Packet) PacketStatus = (byte)((PacketStatus & ~TtyIoctl.TIOCPKT_STOP) | TtyIoctl.TIOCPKT_START);
    }
}
