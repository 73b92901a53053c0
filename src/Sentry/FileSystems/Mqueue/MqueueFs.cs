using System.Text;
using AppKernel.Sentry.FileSystems.Synthetic;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.FileSystems.Mqueue;

/// <summary>
/// An mqueue file system (one per IPC namespace, as Linux's): a sticky 01777 directory of
/// queues. mq_open and mq_unlink work on it by name through a mount of their own; `mount -t mqueue` shows the same
/// instance anywhere, where open, read (the QSIZE line), poll, chmod and unlink work on the queues as files. The
/// limits are Linux's defaults, changed through /proc/sys/fs/mqueue.
/// </summary>
public sealed class MqueueFs
{
    public const int HardMsgMax = 65536, HardMsgSizeMax = 16 << 20, MinMsgMax = 1, MinMsgSizeMax = 128;
    public const int MqPrioMax = 32768;
    /// <summary>Linux's sizeof(struct msg_msg) and sizeof(struct posix_msg_tree_node): what a queue is charged per
    /// message slot besides the message bytes.</summary>
    const long MsgHeader = 48, TreeNode = 48;
    const int RLIMIT_MSGQUEUE = 12;

    // The sysctls (fs.mqueue.*), Linux's defaults.
    public int MsgMax = 10, MsgSizeMax = 8192, QueuesMax = 256, MsgDefault = 10, MsgSizeDefault = 8192;

    public MqueueDir Root { get; }
    /// <summary>The mount mq_open's files are opened through (Linux's kernel-internal mq_mnt).</summary>
    public Mount Mount { get; }

    int _queues;
    readonly Dictionary<uint, long> _bytesByUid = new();

    public MqueueFs()
    {
        Root = new MqueueDir(this);
        Mount = new Mount(new Dentry("/", null, Root), null, null, "mqueue", "mqueue", false);
    }

    /// <summary>Creates a queue's inode (Linux's mqueue_create_attr + mqueue_get_inode): the queue count, the attribute
    /// limits (the hard ones with CAP_SYS_RESOURCE) and the creator's RLIMIT_MSGQUEUE.</summary>
    public Errno NewQueue(Task t, uint perm, long maxMsg, long msgSize, out MqueueInode? inode)
    {
        inode = null;
        bool resource = t.Creds.Has(Credentials.CAP_SYS_RESOURCE);
        lock (this)
        {
            if (_queues >= QueuesMax && !resource) return Errno.ENOSPC;
            if (maxMsg <= 0 || msgSize <= 0) return Errno.EINVAL;
            if (resource ? maxMsg > HardMsgMax || msgSize > HardMsgSizeMax : maxMsg > MsgMax || msgSize > MsgSizeMax)
                return Errno.EINVAL;
            long bytes = maxMsg * msgSize + maxMsg * MsgHeader + Math.Min(maxMsg, MqPrioMax) * TreeNode;
            uint uid = t.Creds.Uid;
            long used = _bytesByUid.GetValueOrDefault(uid);
            if ((ulong)(used + bytes) > t.Limits.Values[RLIMIT_MSGQUEUE].Cur) return Errno.EMFILE;
            _bytesByUid[uid] = used + bytes;
            _queues++;
            inode = new MqueueInode(this, new MessageQueue(maxMsg, msgSize, bytes, uid), perm, t.Creds.Fsuid, t.Creds.Fsgid);
            return Errno.None;
        }
    }

    /// <summary>The defaults a queue made without attributes gets.</summary>
    public (long MaxMsg, long MsgSize) Defaults()
    {
        lock (this) return (Math.Min(MsgMax, MsgDefault), Math.Min(MsgSizeMax, MsgSizeDefault));
    }

    /// <summary>A queue with neither name nor open file is gone: its charge is given back.</summary>
    internal void Evict(MessageQueue q)
    {
        q.Destroy();
        lock (this)
        {
            _queues--;
            long left = _bytesByUid.GetValueOrDefault(q.OwnerUid) - q.Bytes;
            if (left > 0) _bytesByUid[q.OwnerUid] = left;
            else _bytesByUid.Remove(q.OwnerUid);
        }
    }

    /// <summary>An open file of inode found as name (mq_open's, through the internal mount).</summary>
    public VfsPath PathOf(string name, MqueueInode inode) => new(Mount, new Dentry(name, Mount.Root, inode));
}

/// <summary>The mqueue root: a flat sticky directory of queues; only regular queue files can be made in it.</summary>
public sealed class MqueueDir : SynthInode
{
    const int DirentSize = 20;
    readonly MqueueFs _fs;
    readonly Dictionary<string, MqueueInode> _queues = new(StringComparer.Ordinal);

    public MqueueDir(MqueueFs fs) { _fs = fs; Perm = 0x3ff; Dev = 0x13; } // 01777
    protected override uint TypeBits => InodeMode.S_IFDIR;
    protected override ulong Nlink => 2;
    protected override long Size { get { lock (_queues) return 2 * DirentSize + _queues.Count * DirentSize; } }
    public override bool CacheChildren => false; // unlink must not leave a cached name behind

    public override Errno Lookup(Task t, string name, out Inode? child)
    {
        lock (_queues)
        {
            child = _queues.GetValueOrDefault(name);
            if (child != null) return Errno.None;
        }
        return LinuxText.ByteCount(name) > PathWalker.NameMax ? Errno.ENAMETOOLONG : Errno.ENOENT;
    }

    public MqueueInode? Find(string name)
    {
        lock (_queues) return _queues.GetValueOrDefault(name);
    }

    public override Errno ReadDir(Task t, List<DirEntry> into)
    {
        lock (_queues)
            foreach (var (n, q) in _queues) into.Add(new DirEntry(n, q.Ino, InodeMode.DirentType(q.Mode)));
        return Errno.None;
    }

    /// <summary>Adds a new queue under name (the caller checked it is free under the same lock: see Create).</summary>
    public Errno CreateQueue(Task t, string name, uint perm, long maxMsg, long msgSize, out MqueueInode? inode)
    {
        lock (_queues)
        {
            if (_queues.TryGetValue(name, out inode)) return Errno.EEXIST;
            var e = _fs.NewQueue(t, perm, maxMsg, msgSize, out inode);
            if (e != Errno.None) return e;
            _queues[name] = inode!;
            inode!.Name = name;
            return Errno.None;
        }
    }

    /// <summary>open(O_CREAT) in a mounted mqueue: a queue with the default attributes.</summary>
    public override Errno Create(Task t, string name, uint mode, out Inode? child)
    {
        child = null;
        if (!InodeMode.IsReg(mode)) return Errno.EPERM; // mknod of anything else: mqueue has no mknod
        var (maxMsg, msgSize) = _fs.Defaults();
        var e = CreateQueue(t, name, mode & 0xfff, maxMsg, msgSize, out var q);
        child = q;
        return e;
    }

    public override Errno Unlink(Task t, string name, bool dir)
    {
        MqueueInode? q;
        lock (_queues)
        {
            if (!_queues.TryGetValue(name, out q)) return Errno.ENOENT;
            if (dir) return Errno.ENOTDIR;
            _queues.Remove(name);
        }
        q.Unlinked();
        return Errno.None;
    }

    // No mkdir, symlink, link or rename in mqueue (Linux's directory has only create, lookup and unlink).
    public override Errno Mkdir(Task t, string name, uint mode) => Errno.EPERM;
    public override Errno Symlink(Task t, string name, string target) => Errno.EPERM;
    public override Errno Link(Task t, string name, Inode target) => Errno.EPERM;
    public override Errno Rename(Task t, string oldName, Inode newDir, string newName, uint flags) => Errno.EPERM;

    public override Errno Open(Task t, VfsPath path, int flags, out FileDescription? fd) =>
        SynthDirFile.Open(flags, path, this, out fd);
}

/// <summary>A queue as a file: S_IFREG with the creator's ids and mode; st_size is Linux's FILENT_SIZE.</summary>
public sealed class MqueueInode : SynthInode
{
    const int FilentSize = 80;
    public MqueueFs Fs { get; }
    public MessageQueue Queue { get; }
    public string Name { get; internal set; } = "";
    uint _perm, _uid, _gid;
    bool _linked = true;
    int _opens;

    public MqueueInode(MqueueFs fs, MessageQueue q, uint perm, uint uid, uint gid)
    {
        Fs = fs;
        Queue = q;
        (_perm, _uid, _gid) = (perm, uid, gid);
        Dev = 0x13;
    }

    protected override uint TypeBits => InodeMode.S_IFREG;
    public override uint Mode { get { lock (this) return InodeMode.S_IFREG | _perm; } }
    public override bool IsDeleted { get { lock (this) return !_linked; } }

    public override Errno Stat(out LinuxStat st)
    {
        base.Stat(out st);
        lock (this)
        {
            st.Mode = InodeMode.S_IFREG | _perm;
            (st.Uid, st.Gid) = (_uid, _gid);
            st.Nlink = _linked ? 1UL : 0UL;
            st.Size = FilentSize;
        }
        return Errno.None;
    }

    public override Errno SetMode(uint perm)
    {
        lock (this) _perm = perm & 0xfff;
        return Errno.None;
    }

    public override Errno SetOwner(uint uid, uint gid)
    {
        lock (this)
        {
            if (uid != uint.MaxValue) _uid = uid;
            if (gid != uint.MaxValue) _gid = gid;
        }
        return Errno.None;
    }

    public override Errno SetTimes(long? atimeNs, long? mtimeNs) => Errno.None;
    public override Errno Truncate(long size) => Errno.None;

    public override Errno Open(Task t, VfsPath path, int flags, out FileDescription? fd)
    {
        lock (this) _opens++;
        fd = new MqueueFile(flags, path, this);
        return Errno.None;
    }

    internal void Unlinked()
    {
        bool gone;
        lock (this)
        {
            _linked = false;
            gone = _opens == 0;
        }
        if (gone) Fs.Evict(Queue);
    }

    internal void Closed()
    {
        bool gone;
        lock (this) gone = --_opens == 0 && !_linked;
        if (gone) Fs.Evict(Queue);
    }
}

/// <summary>An open queue (mq_open's or open(2)'s): read gives the status line, poll the queue's readiness.</summary>
public sealed class MqueueFile : FileDescription
{
    public MqueueInode Node { get; }
    public MessageQueue Queue => Node.Queue;

    public MqueueFile(int flags, VfsPath path, MqueueInode node) : base(flags, path, node) => Node = node;

    public override WaitQueue? Waiters => Queue.Waiters;
    public override short Readiness(short events) => Queue.Readiness(events);

    public override long ReadAt(Task t, Span<byte> buf, long offset)
    {
        if (offset < 0) return -(long)Errno.EINVAL;
        var text = Encoding.ASCII.GetBytes(Queue.Status(t.PidNs));
        if (offset >= text.Length) return 0;
        int n = (int)Math.Min(buf.Length, text.Length - offset);
        text.AsSpan((int)offset, n).CopyTo(buf);
        return n;
    }

    public override long WriteAt(Task t, ReadOnlySpan<byte> buf, long offset) => -(long)Errno.EINVAL;

    /// <summary>mq_open's files have no place in the sandbox's tree: "/NAME", as Linux shows them.</summary>
    public override string DisplayName(Task t) =>
        Path.Mount == Node.Fs.Mount ? "/" + Node.Name + (Node.IsDeleted ? " (deleted)" : "") : base.DisplayName(t);

    public override void OnClose(FdTable fds) => Queue.Flush(fds);

    protected override void Release() => Node.Closed();
}
