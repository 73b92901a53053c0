namespace AppKernel;

/// <summary>
/// The x86-64 XSAVE image as Linux shows it (arch/x86/include/uapi/asm/sigcontext.h): the 512-byte fxsave area
/// (MXCSR at 24; at 464 the kernel's software bytes, struct _fpx_sw_bytes, in a signal frame, where ptrace's
/// NT_X86_XSTATE has XCR0 instead), then the 64-byte XSAVE header (xstate_bv, then xcomp_bv and reserved words that
/// must be 0 in the standard format), then the extended components. The signal frame, ptrace and both platforms
/// read it through these names.
/// </summary>
public static class XSave
{
    public const int FxSaveSize = 512;
    public const int MxcsrAt = 24;
    /// <summary>struct _fpx_sw_bytes: magic1, extended size, xfeatures, xstate size, then padding.</summary>
    public const int SwBytesAt = 464, SwBytesSize = 48;
    public const int SwMagic1At = SwBytesAt, SwExtendedSizeAt = SwBytesAt + 4, SwXFeaturesAt = SwBytesAt + 8, SwXStateSizeAt = SwBytesAt + 16;
    /// <summary>ptrace's NT_X86_XSTATE keeps XCR0 where a signal frame has the software bytes.</summary>
    public const int PtraceXcr0At = SwBytesAt;
    public const int HeaderAt = 512, HeaderSize = 64;
    /// <summary>The smallest extended image: the fxsave area and the header.</summary>
    public const int MinSize = HeaderAt + HeaderSize;
    /// <summary>Components 0 and 1 of xstate_bv: x87 and SSE, the fxsave area's own.</summary>
    public const ulong FeatureFpSse = 3;
    /// <summary>FP_XSTATE_MAGIC1 in the software bytes, FP_XSTATE_MAGIC2 just after the image (4 bytes).</summary>
    public const uint Magic1 = 0x46505853, Magic2 = 0x46505845;
    public const int Magic2Size = 4;
}
