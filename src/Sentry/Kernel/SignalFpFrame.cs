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
    const uint FP_XSTATE_MAGIC1 = 0x46505853, FP_XSTATE_MAGIC2 = 0x46505845;
    const int FxSaveSize = 512, Magic2Size = 4;
    /// <summary>Offsets in the image: the software bytes (struct _fpx_sw_bytes, 48 bytes, where ptrace's layout has
    /// XCR0 instead), MXCSR, and the XSAVE header (xstate_bv, xcomp_bv, reserved).</summary>
    const int SwBytesAt = 464, SwBytesSize = 48, MxcsrAt = 24, XHeaderAt = 512, XHeaderSize = 64;
    const ushort FCW_DEFAULT = 0x37f;
    const uint MXCSR_DEFAULT = 0x1f80;
    /// <summary>Components 0 and 1 of xstate_bv: x87 and SSE.</summary>
    const ulong XFEATURE_FP_SSE = 3;
    const int UC_FP_XSTATE = 1, UC_SIGCONTEXT_SS = 2, UC_STRICT_RESTORE_SS = 4;

    /// <summary>The current FP state as a frame's FP area, in <paramref name="buf"/>: its length (the XSAVE size
    /// plus magic2, or 512), and whether it is the extended form.</summary>
    int SaveFpArea(Span<byte> buf, out bool extended)
    {
        int n = Stub!.GetXState(buf[..XStateMax]);
        extended = n >= XHeaderAt + XHeaderSize;
        if (extended)
        {
            ulong xfeatures = BitConverter.ToUInt64(buf[SwBytesAt..]); // ptrace's layout: XCR0 here
            var sw = buf.Slice(SwBytesAt, SwBytesSize);
            sw.Clear();
            BitConverter.TryWriteBytes(sw, FP_XSTATE_MAGIC1);
            BitConverter.TryWriteBytes(sw[4..], (uint)(n + Magic2Size));
            BitConverter.TryWriteBytes(sw[8..], xfeatures);
            BitConverter.TryWriteBytes(sw[16..], (uint)n);
            BitConverter.TryWriteBytes(buf[n..], FP_XSTATE_MAGIC2);
            return n + Magic2Size;
        }
        if (!Stub.GetFpRegs(buf[..FxSaveSize])) buf[..FxSaveSize].Clear();
        buf.Slice(SwBytesAt, SwBytesSize).Clear();
        return FxSaveSize;
    }

    /// <summary>The x87/SSE state after reset (fxsave layout): control word and MXCSR at their defaults, all else 0.</summary>
    static readonly byte[] InitialFpState = MakeInitialFpState();

    static byte[] MakeInitialFpState()
    {
        var fx = new byte[FxSaveSize];
        BitConverter.TryWriteBytes(fx, FCW_DEFAULT);
        BitConverter.TryWriteBytes(fx.AsSpan(MxcsrAt), MXCSR_DEFAULT);
        return fx;
    }

    /// <summary>x87 and SSE from <paramref name="fx"/>, every other component in its initial state (what a handler
    /// starts with, and what a frame without a valid extended area restores: Linux's fx_only).
    /// <paramref name="scratch"/> holds <paramref name="xstateSize"/> bytes, the platform's XSAVE size (0: none).</summary>
    void SetFxOnly(ReadOnlySpan<byte> fx, Span<byte> scratch, int xstateSize)
    {
        if (xstateSize >= XHeaderAt + XHeaderSize)
        {
            var x = scratch[..xstateSize];
            x.Clear();
            fx[..SwBytesAt].CopyTo(x);
            BitConverter.TryWriteBytes(x[XHeaderAt..], XFEATURE_FP_SSE);
            if (Stub!.SetXState(x)) return;
        }
        Stub!.SetFpRegs(fx[..FxSaveSize]);
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
        if (!Mem.Read(addr, buf[..FxSaveSize])) return false;
        // MXCSR's reserved bits would make the restore fail; keep the valid ones.
        BitConverter.TryWriteBytes(buf[MxcsrAt..], BitConverter.ToUInt32(buf[MxcsrAt..]) & 0xffff);
        var sw = buf.Slice(SwBytesAt, SwBytesSize);
        uint magic1 = BitConverter.ToUInt32(sw), extendedSize = BitConverter.ToUInt32(sw[4..]), size = BitConverter.ToUInt32(sw[16..]);
        ulong xfeatures = BitConverter.ToUInt64(sw[8..]);
        if (magic1 == FP_XSTATE_MAGIC1 && size is >= XHeaderAt + XHeaderSize and <= XStateMax && extendedSize == size + Magic2Size
            && Mem.Read(addr + FxSaveSize, buf[FxSaveSize..(int)extendedSize])
            && BitConverter.ToUInt32(buf[(int)size..]) == FP_XSTATE_MAGIC2)
        {
            var x = buf[..(int)size];
            // Only the components the frame says it holds, x87 and SSE always (Linux's restore_fpregs_from_user);
            // xcomp_bv and the reserved header bytes must be 0 for a standard-format XRSTOR.
            ulong bv = BitConverter.ToUInt64(x[XHeaderAt..]) & (xfeatures | XFEATURE_FP_SSE);
            x.Slice(XHeaderAt, XHeaderSize).Clear();
            BitConverter.TryWriteBytes(x[XHeaderAt..], bv | XFEATURE_FP_SSE);
            BitConverter.TryWriteBytes(x[SwBytesAt..], xfeatures);
            if (Stub!.SetXState(x)) return true;
        }
        Span<byte> fx = stackalloc byte[FxSaveSize];
        buf[..FxSaveSize].CopyTo(fx);
        SetFxOnly(fx, buf, Stub!.GetXState(buf[..XStateMax]));
        return true;
    }
}
