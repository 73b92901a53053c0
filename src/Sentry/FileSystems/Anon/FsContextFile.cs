using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.FileSystems.Anon;

/// <summary>Where a file system context stands (Linux's enum fs_context_phase, the states fsconfig sees).</summary>
public enum FsContextPhase { CreateParams, AwaitingMount, AwaitingReconf, ReconfParams, Failed }

/// <summary>
/// fsopen's and fspick's fd (anon_inode:[fscontext]): a file system type and the parameters fsconfig gave it,
/// then the superblock FSCONFIG_CMD_CREATE made (which fsmount mounts), or, for fspick, the mount whose file
/// system FSCONFIG_CMD_RECONFIGURE changes. The options are checked one by one as they come, kept, and applied
/// by the same code as mount(2)'s (MountSyscalls.MakeFs, ReconfigureSuper).
/// </summary>
public sealed class FsContextFile : FileDescription
{
    public FsContextFile(string fsType, int flags) : base(OpenFlags.O_RDWR | flags, default, new AnonInode()) => FsType = fsType;

    public string FsType { get; }
    public FsContextPhase Phase = FsContextPhase.CreateParams;
    /// <summary>The file system's own options (flags with a null value).</summary>
    public readonly Dictionary<string, string?> Options = new(StringComparer.Ordinal);
    public string? Source;
    /// <summary>SB_RDONLY as "ro"/"rw" set it (null: not named).</summary>
    public bool? ReadOnly;
    /// <summary>What CMD_CREATE made: the file system's root and superblock (fsmount's to mount).</summary>
    public Inode? Root;
    public Super? Super;
    /// <summary>fspick's mount, or fsmount's: whose file system a reconfiguration changes.</summary>
    public Mount? Target;

    /// <summary>Linux's vfs_clean_context: the parameters go, a later parameter starts a reconfiguration.</summary>
    public void Clean()
    {
        Options.Clear();
        Source = null;
        ReadOnly = null;
        Phase = FsContextPhase.AwaitingReconf;
    }

    public override bool Seekable => false;
    public override string DisplayName(Task t) => "anon_inode:[fscontext]";
    public override long Seek(long offset, int whence) => -(long)Errno.ESPIPE;
    // The message log keeps nothing here: reading finds it empty.
    public override long Read(Task t, Span<byte> buf) => -(long)Errno.ENODATA;
    public override long Write(Task t, ReadOnlySpan<byte> buf) => -(long)Errno.EINVAL;
}
