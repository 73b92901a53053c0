using System.Runtime.InteropServices;

namespace AppKernel.Sentry.Kernel;

/// <summary>The kernel's struct sigaction for rt_sigaction (handler, flags, restorer, mask).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct SigAction
{
    public ulong Handler;
    public ulong Flags;
    public ulong Restorer;
    public ulong Mask;
}

[StructLayout(LayoutKind.Sequential)]
public struct SigAltStack
{
    public ulong Sp;
    public int Flags;
    int _pad;
    public ulong Size;
}

/// <summary>Signal dispositions, mask and alternate stack. Delivery comes with the processes issue;
/// for now these are recorded and reported back faithfully.</summary>
public sealed class SignalState
{
    public const int NSig = 64;
    public readonly SigAction[] Actions = new SigAction[NSig + 1];
    public ulong Mask;
    public SigAltStack AltStack = new() { Flags = 2 /* SS_DISABLE */ };

    public const int SIGKILL = 9, SIGSTOP = 19;

    /// <summary>fork: the child inherits dispositions, mask and alternate stack.</summary>
    public SignalState Fork()
    {
        var s = new SignalState { Mask = Mask, AltStack = AltStack };
        Array.Copy(Actions, s.Actions, Actions.Length);
        return s;
    }
    public static readonly ulong Unblockable = (1UL << (SIGKILL - 1)) | (1UL << (SIGSTOP - 1));
}
