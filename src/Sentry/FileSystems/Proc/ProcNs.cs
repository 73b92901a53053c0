using AppKernel.Sentry.FileSystems.Synthetic;
using AppKernel.Sentry.FileSystems.Tmpfs;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.FileSystems.Proc;

/// <summary>
/// A namespace as a file of nsfs: what /proc/[pid]/ns/* lead to. Its inode number is the namespace's (so two
/// tasks are in the same namespace when the numbers are equal), and an open one is what setns(2) takes.
/// </summary>
public sealed class NsInode : Inode
{
    /// <summary>mnt, uts, ipc, pid, user, net, cgroup or time.</summary>
    public string Kind { get; }
    public uint Inum { get; }
    /// <summary>The namespace object for the kinds a task can change (MountNamespace, UtsNamespace, IpcNamespace,
    /// UserNamespace, PidNamespace).</summary>
    public object? Target { get; }
    /// <summary>The CLONE_NEW* flag of the kind (setns's nstype).</summary>
    public ulong Type => Kind switch
    {
        "mnt" => Namespaces.CLONE_NEWNS, "uts" => Namespaces.CLONE_NEWUTS, "ipc" => Namespaces.CLONE_NEWIPC,
        "pid" => Namespaces.CLONE_NEWPID, "user" => Namespaces.CLONE_NEWUSER, "net" => Namespaces.CLONE_NEWNET,
        "cgroup" => Namespaces.CLONE_NEWCGROUP, _ => Namespaces.CLONE_NEWTIME,
    };

    public NsInode(string kind, uint inum, object? target)
    {
        Kind = kind; Inum = inum; Target = target;
    }

    /// <summary>nsfs's device (Linux's is an anonymous one, 0:4 on most systems).</summary>
    const ulong NsfsDev = 4;

    public override uint Mode => InodeMode.S_IFREG | 0x124; // 0444

    public override Errno Stat(out LinuxStat st)
    {
        st = new LinuxStat { Ino = Inum, Dev = NsfsDev, Mode = Mode, Nlink = 1, Blksize = 4096 };
        return Errno.None;
    }

    public override Errno Open(Task t, VfsPath path, int flags, out FileDescription? fd)
    {
        fd = new NsFile(flags, path, this);
        return Errno.None;
    }

    /// <summary>The link text: "mnt:[4026531841]".</summary>
    public string Name => $"{Kind}:[{Inum}]";
}

/// <summary>An open namespace file: nothing to read or write; setns and ioctls look at its inode.</summary>
public sealed class NsFile : FileDescription
{
    public NsFile(int flags, VfsPath path, NsInode inode) : base(flags, path, inode) { }
    public NsInode Ns => (NsInode)Inode!;
    public override bool Seekable => false;
    public override string DisplayName(Task t) => Ns.Name;

    // ioctl_ns(2): _IO(0xb7, n).
    const uint NS_GET_USERNS = 0xb701, NS_GET_PARENT = 0xb702, NS_GET_NSTYPE = 0xb703, NS_GET_OWNER_UID = 0xb704;

    public override long Ioctl(Task t, uint cmd, ulong arg)
    {
        var user = Ns.Target as UserNamespace;
        switch (cmd)
        {
            case NS_GET_NSTYPE: return (long)Ns.Type;
            case NS_GET_USERNS: return OpenVisible(t, user != null ? user.Parent : OwnerOf(Ns.Target));
            case NS_GET_PARENT: return user == null ? -(long)Errno.EINVAL : OpenVisible(t, user.Parent);
            case NS_GET_OWNER_UID:
                if (user == null) return -(long)Errno.EINVAL;
                return t.Mem.Write(arg, t.Creds.UserNs.UidToUser(user.Owner)) ? 0 : -(long)Errno.EFAULT;
            default: return -(long)Errno.ENOTTY;
        }
    }

    /// <summary>The user namespace owning a mount, UTS or IPC namespace (the initial one for the sandbox's others).</summary>
    static UserNamespace OwnerOf(object? ns) => ns switch
    {
        MountNamespace m => m.Owner, UtsNamespace u => u.Owner, IpcNamespace i => i.Owner, Cgroups.CgroupNamespace c => c.Owner,
        _ => UserNamespace.Initial,
    };

    /// <summary>A new close-on-exec fd of user namespace ns, if the caller's namespace is it or an ancestor of it
    /// (Linux's ns_get_owner: EPERM for one outside the caller's view).</summary>
    static long OpenVisible(Task t, UserNamespace? ns)
    {
        if (ns == null || !t.Creds.UserNs.IsAncestorOf(ns)) return -(long)Errno.EPERM;
        var inode = ProcNs.Of(ns);
        return t.Fds.Install(new NsFile(OpenFlags.O_RDONLY, ProcNs.PathOf(inode), inode), true, 0, t.Limits.NoFile);
    }
}

/// <summary>/proc/[pid]/ns: a magic link per namespace kind to the task's namespace on nsfs.</summary>
public static class ProcNs
{
    /// <summary>The nsfs mount the links lead into: mounted nowhere, as Linux's is internal.</summary>
    static readonly Mount s_nsfs = new(new Dentry("/", null, TmpfsFs.Create(0x16d)), null, null, "nsfs", "nsfs", true);

    /// <summary>Kind and namespace of a task, in the order Linux lists them.</summary>
    static readonly (string Name, Func<Task, NsInode?> Of)[] s_kinds =
    {
        ("cgroup", p => new NsInode("cgroup", p.Ns.Cgroup.Inum, p.Ns.Cgroup)),
        ("ipc", p => new NsInode("ipc", p.Ns.Ipc.Inum, p.Ns.Ipc)),
        ("mnt", p => new NsInode("mnt", p.Ns.Mnt.Inum, p.Ns.Mnt)),
        ("net", _ => new NsInode("net", NsInodes.NetInit, null)),
        ("pid", p => new NsInode("pid", p.PidNs.Inum, p.PidNs)),
        // A namespace nobody entered yet has no file (Linux's pidns_for_children_get: no child reaper).
        ("pid_for_children", p => p.Ns.PidForChildren is { HasInit: true } n ? new NsInode("pid", n.Inum, n) : null),
        ("time", _ => new NsInode("time", NsInodes.TimeInit, null)),
        ("time_for_children", _ => new NsInode("time", NsInodes.TimeInit, null)),
        ("user", p => Of(p.Creds.UserNs)),
        ("uts", p => new NsInode("uts", p.Ns.Uts.Inum, p.Ns.Uts)),
    };

    public static SynthDir Dir(Task p, Func<(uint, uint)> owner)
    {
        var dir = new SynthDir { Perm = 0x149, Owner = owner }; // 0511
        foreach (var (name, of) in s_kinds)
        {
            var kind = of;
            dir.Add(name, new SynthSymlink(_ => p.Exited ? null : kind(p)?.Name, _ => p.Exited || kind(p) is not { } n ? null : PathOf(n)) { Owner = owner });
        }
        dir.ProcStyle();
        return dir;
    }

    internal static VfsPath PathOf(NsInode ns) => new(s_nsfs, new Dentry(ns.Name, s_nsfs.Root, ns));

    internal static NsInode Of(UserNamespace ns) => new("user", ns.Inum, ns);
}
