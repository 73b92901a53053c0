using AppKernel.Platform.Native;
using AppKernel.Sentry.Kernel;

namespace AppKernel.Runsc.Runtime;

/// <summary>The resource limits runsc was started with.</summary>
public static class HostLimits
{
    /// <summary>Every limit runsc has now, as (resource, soft, hard): `do` gives them to its program, which then runs
    /// with the limits its caller's shell would give it natively. Read before runsc raises its own fd limit.</summary>
    public static unsafe List<(int Resource, ulong Soft, ulong Hard)> Read()
    {
        var limits = new List<(int, ulong, ulong)>();
        for (int res = 0; res < RLimits.Count; res++)
        {
            RLimit r;
            if (Host.getrlimit(res, &r) == 0) limits.Add((res, r.Cur, r.Max));
        }
        return limits;
    }
}
