using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.Kernel;

/// <summary>A UTS namespace: the host and domain names uname shows, changed by sethostname/setdomainname.</summary>
public sealed class UtsNamespace
{
    public string Hostname, Domainname;
    public uint Inum { get; }
    /// <summary>The user namespace that owns it (sethostname needs CAP_SYS_ADMIN there).</summary>
    public UserNamespace Owner = UserNamespace.Initial;

    public UtsNamespace(string hostname, string domainname, uint inum)
    {
        Hostname = hostname; Domainname = domainname; Inum = inum;
    }

    public UtsNamespace Copy()
    {
        lock (this) return new UtsNamespace(Hostname, Domainname, NsInodes.Next());
    }
}

/// <summary>An IPC namespace: its identity, on which System V IPC and POSIX message queues hang their registries
/// (Registry: whatever those keep per namespace, made on first use).</summary>
public sealed class IpcNamespace
{
    public uint Inum { get; }
    /// <summary>Its System V objects: the kernel's first for the initial namespace, made on first use for a new one
    /// (Task.SysvIpc).</summary>
    public Ipc.SysvIpc? SysvIpc;
    /// <summary>Its POSIX message queues (the mqueue instance mq_open and `mount -t mqueue` use), made alike (Task.Mqueue).</summary>
    public FileSystems.Mqueue.MqueueFs? Mqueue;
    /// <summary>The user namespace that owns it.</summary>
    public UserNamespace Owner = UserNamespace.Initial;
    public IpcNamespace(uint inum) => Inum = inum;
}

/// <summary>
/// The namespaces a task is in (Linux's nsproxy): mount, UTS, IPC and its children's PID ones can be new (unshare,
/// clone, setns); the user namespace lives in the credentials; network, cgroup and time are the sandbox's one each. Never changed in place: a task given other
/// namespaces gets a new Namespaces, so tasks sharing one are unaffected.
/// </summary>
public sealed record Namespaces(MountNamespace Mnt, UtsNamespace Uts, IpcNamespace Ipc)
{
    public const ulong CLONE_NEWTIME = 0x80, CLONE_NEWNS = 0x20000, CLONE_NEWCGROUP = 0x02000000, CLONE_NEWUTS = 0x04000000,
        CLONE_NEWIPC = 0x08000000, CLONE_NEWUSER = 0x10000000, CLONE_NEWPID = 0x20000000, CLONE_NEWNET = 0x40000000;
    /// <summary>What this kernel can make new.</summary>
    public const ulong Supported = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWCGROUP;
    public const ulong Unsupported = CLONE_NEWNET | CLONE_NEWTIME;
    // CLONE_NEWUSER is neither: any task may make a user namespace, which lives in its credentials (UserNamespace).

    /// <summary>Where the task's next children go (Linux's pid_ns_for_children); its own is Task.PidNs.</summary>
    public PidNamespace PidForChildren { get; init; } = null!;
    /// <summary>The cgroup namespace (FileSystems/Cgroups).</summary>
    public FileSystems.Cgroups.CgroupNamespace Cgroup { get; init; } = null!;

    /// <summary>The namespaces a task moves into for the CLONE_NEW* flags (mount namespace copy's map: how to move
    /// the task's root and cwd, null when the mount namespace stays).</summary>
    /// <summary>A new cgroup namespace is rooted at cgroup, the task's own.</summary>
    public Namespaces CopyFor(ulong flags, out Dictionary<Mount, Mount>? mountMap, FileSystems.Cgroups.Cgroup? cgroup = null)
    {
        mountMap = null;
        var n = this;
        if ((flags & CLONE_NEWNS) != 0) n = n with { Mnt = Mnt.Copy(out mountMap) };
        if ((flags & CLONE_NEWUTS) != 0) n = n with { Uts = Uts.Copy() };
        if ((flags & CLONE_NEWIPC) != 0) n = n with { Ipc = new IpcNamespace(NsInodes.Next()) };
        // The caller checked the level first (Task.CheckNewPidNs).
        if ((flags & CLONE_NEWPID) != 0) n = n with { PidForChildren = PidForChildren.NewChild() };
        if ((flags & CLONE_NEWCGROUP) != 0) n = n with { Cgroup = new FileSystems.Cgroups.CgroupNamespace(cgroup ?? Cgroup.Root, NsInodes.Next()) };
        return n;
    }

    /// <summary>Names owner as the owner of the namespaces just made for flags (the creator's user namespace, the
    /// new one when CLONE_NEWUSER came with them).</summary>
    public void Own(ulong flags, UserNamespace owner)
    {
        if ((flags & CLONE_NEWNS) != 0) Mnt.Owner = owner;
        if ((flags & CLONE_NEWUTS) != 0) Uts.Owner = owner;
        if ((flags & CLONE_NEWIPC) != 0) Ipc.Owner = owner;
        if ((flags & CLONE_NEWPID) != 0) PidForChildren.Owner = owner;
        if ((flags & CLONE_NEWCGROUP) != 0) Cgroup.Owner = owner;
    }
}
