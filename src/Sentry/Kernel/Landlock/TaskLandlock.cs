using AppKernel.Sentry.Kernel.Landlock;

namespace AppKernel.Sentry.Kernel;

public sealed partial class Task
{
    /// <summary>The task's Landlock domain (null: unrestricted, the fast path). Per thread as Linux's credentials;
    /// inherited by fork and clone, kept across exec, replaced by landlock_restrict_self with a deeper node.</summary>
    public LandlockDomain? Landlock;
}
