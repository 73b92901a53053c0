using AppKernel.Sentry.FileSystems.Anon;
using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.Kernel.Landlock;

/// <summary>A ruleset's fd ("anon_inode:[landlock-ruleset]"): rules are added through it until a
/// landlock_restrict_self takes a frozen copy; reads and writes are EINVAL, as Linux's.</summary>
public sealed class LandlockRulesetFile(LandlockPolicy policy)
    : FileDescription(OpenFlags.O_RDWR, default, new AnonInode())
{
    public LandlockPolicy Policy { get; } = policy;
    public override bool Seekable => false;
    public override string DisplayName(Task t) => "anon_inode:[landlock-ruleset]";
}
