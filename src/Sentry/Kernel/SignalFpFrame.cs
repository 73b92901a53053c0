namespace AppKernel.Sentry.Kernel;

/// <summary>
/// The FP area of a signal frame, laid out as Linux's (arch/x86/kernel/fpu/signal.c): the whole XSAVE image, its
/// fxsave part's software bytes saying so (magic1, extended size, xfeatures, xstate size) and magic2 just after it.
/// A handler that uses AVX or AVX-512 registers (glibc's string functions do) must not clobber the interrupted
/// code's: sigreturn puts every component back. Where the platform cannot give the extended state, the area is the
/// 512-byte fxsave image alone, as on a CPU without XSAVE.
/// </summary>
public sealed partial class Task
{
    const ushort FCW_DEFAULT = 0x37f;
    const uint MXCSR_DEFAULT = 0x1f80;
    const int UC_FP_XSTATE = 1, UC_SIGCONTEXT_SS = 2, UC_STRICT_RESTORE_SS = 4;

    /// <summary>The current FP state as a frame's FP area, in <paramref name="buf"/>: its length (the XSAVE size
    /// plus magic2, or 512), and whether it is the extended form.</summary>
    int SaveFpArea(Span<byte> buf, out bool extended)
    {
        int n = Stub!.GetXState(buf[..XStateMax]);
        extended = n >= XSave.MinSize;
        if (extended)
        {
            ulong xfeatures = BitConverter.ToUInt64(buf[XSave.SwBytesAt..]); // ptrace's layout: XCR0 here
            var sw = buf.Slice(XSave.SwBytesAt, XSave.SwBytesSize);
            sw.Clear();
            BitConverter.TryWriteBytes(sw, XSave.Magic1);
            BitConverter.TryWriteBytes(sw[4..], (uint)(n + XSave.Magic2Size));
            BitConverter.TryWriteBytes(sw[8..], xfeatures);
            BitConverter.TryWriteBytes(sw[16..], (uint)n);
            BitConverter.TryWriteBytes(buf[n..], XSave.Magic2);
            return n + XSave.Magic2Size;
        }
        if (!Stub.GetFpRegs(buf[..XSave.FxSaveSize])) buf[..XSave.FxSaveSize].Clear();
        buf.Slice(XSave.SwBytesAt, XSave.SwBytesSize).Clear();
        return XSave.FxSaveSize;
    }

    /// <summary>The x87/SSE state after reset (fxsave layout): control word and MXCSR at their defaults, all else 0.</summary>
    static readonly byte[] InitialFpState = MakeInitialFpState();

    static byte[] MakeInitialFpState()
    {
        var fx = new byte[XSave.FxSaveSize];
        BitConverter.TryWriteBytes(fx, FCW_DEFAULT);
        BitConverter.TryWriteBytes(fx.AsSpan(XSave.MxcsrAt), MXCSR_DEFAULT);
        return fx;
    }

    /// <summary>x87 and SSE from <paramref name="fx"/>, every other component in its initial state (what a handler
    /// starts with, and what a frame without a valid extended area restores: Linux's fx_only).
    /// <paramref name="scratch"/> holds <paramref name="xstateSize"/> bytes, the platform's XSAVE size (0: none).</summary>
    void SetFxOnly(ReadOnlySpan<byte> fx, Span<byte> scratch, int xstateSize)
    {
        if (xstateSize >= XSave.MinSize)
        {
            var x = scratch[..xstateSize];
            x.Clear();
            fx[..XSave.SwBytesAt].CopyTo(x);
            BitConverter.TryWriteBytes(x[XSave.HeaderAt..], XSave.FeatureFpSse);
            if (Stub!.SetXState(x)) return;
        }
        Stub!.SetFpRegs(fx[..XSave.FxSaveSize]);
    }

    /// <summary>rt_sigreturn's FP part: the area at <paramref name="addr"/>, which the guest may have changed, so
    /// every field is checked. An extended area whose magics or sizes are wrong is taken as its fxsave part alone,
    /// as Linux does; no area (0) is the initial state. False if the area cannot be read.</summary>
    bool RestoreFpArea(ulong addr)
    {
        var buf = FrameBuf.AsSpan();
        if (addr == 0)
        {
            SetFxOnly(InitialFpState, buf, Stub!.GetXState(buf[..XStateMax]));
            return true;
        }
        if (!Mem.Read(addr, buf[..XSave.FxSaveSize])) return false;
        // MXCSR's reserved bits would make the restore fail; keep the valid ones.
        BitConverter.TryWriteBytes(buf[XSave.MxcsrAt..], BitConverter.ToUInt32(buf[XSave.MxcsrAt..]) & 0xffff);
        var sw = buf.Slice(XSave.SwBytesAt, XSave.SwBytesSize);
        uint magic1 = BitConverter.ToUInt32(sw), extendedSize = BitConverter.ToUInt32(sw[4..]), size = BitConverter.ToUInt32(sw[16..]);
        ulong xfeatures = BitConverter.ToUInt64(sw[8..]);
        if (magic1 == XSave.Magic1 && size is >= XSave.MinSize and <= XStateMax && extendedSize == size + XSave.Magic2Size
            && Mem.Read(addr + XSave.FxSaveSize, buf[XSave.FxSaveSize..(int)extendedSize])
            && BitConverter.ToUInt32(buf[(int)size..]) == XSave.Magic2)
        {
            var x = buf[..(int)size];
            // Only the components the frame says it holds, x87 and SSE always (Linux's restore_fpregs_from_user);
            // xcomp_bv and the reserved header bytes must be 0 for a standard-format XRSTOR.
            ulong bv = BitConverter.ToUInt64(x[XSave.HeaderAt..]) & (xfeatures | XSave.FeatureFpSse);
            x.Slice(XSave.HeaderAt, XSave.HeaderSize).Clear();
            BitConverter.TryWriteBytes(x[XSave.HeaderAt..], bv | XSave.FeatureFpSse);
            BitConverter.TryWriteBytes(x[XSave.SwBytesAt..], xfeatures);
            if (Stub!.SetXState(x)) return true;
        }
        Span<byte> fx = stackalloc byte[XSave.FxSaveSize];
        buf[..XSave.FxSaveSize].CopyTo(fx);
        SetFxOnly(fx, buf, Stub!.GetXState(buf[..XStateMax]));
        return true;
    }
}
