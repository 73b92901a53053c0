using AppKernel.Sentry.FileSystems.Anon;

namespace AppKernel.Sentry.Vfs;

/// <summary>inotify's event bits and flags (linux/inotify.h).</summary>
public static class InotifyMask
{
    public const uint IN_ACCESS = 0x1, IN_MODIFY = 0x2, IN_ATTRIB = 0x4, IN_CLOSE_WRITE = 0x8, IN_CLOSE_NOWRITE = 0x10,
        IN_OPEN = 0x20, IN_MOVED_FROM = 0x40, IN_MOVED_TO = 0x80, IN_CREATE = 0x100, IN_DELETE = 0x200,
        IN_DELETE_SELF = 0x400, IN_MOVE_SELF = 0x800, IN_ALL_EVENTS = 0xfff;
    public const uint IN_UNMOUNT = 0x2000, IN_Q_OVERFLOW = 0x4000, IN_IGNORED = 0x8000;
    public const uint IN_ONLYDIR = 0x0100_0000, IN_DONT_FOLLOW = 0x0200_0000, IN_EXCL_UNLINK = 0x0400_0000,
        IN_MASK_CREATE = 0x1000_0000, IN_MASK_ADD = 0x2000_0000, IN_ISDIR = 0x4000_0000, IN_ONESHOT = 0x8000_0000;
    /// <summary>Every bit inotify_add_watch accepts.</summary>
    public const uint Valid = IN_ALL_EVENTS | IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK | IN_MASK_CREATE | IN_MASK_ADD | IN_ONESHOT;
}

/// <summary>What a watch reports to: an inotify instance (events in its queue) or a dnotify registration (a signal).</summary>
public interface IWatchOwner
{
    void Queue(int wd, uint mask, uint cookie, string? name);
    /// <summary>Ends the watch (IN_ONESHOT, its inode gone, removed by its owner); ignored: say so (IN_IGNORED).</summary>
    void RemoveWatch(InotifyWatch w, bool ignored);
}

/// <summary>One watch on an inode for the events in Mask (inotify's, or dnotify's mapped onto them).</summary>
public sealed class InotifyWatch(IWatchOwner owner, int wd, Inode target, uint mask)
{
    public IWatchOwner Owner { get; } = owner;
    public int Wd { get; } = wd;
    public Inode Target { get; } = target;
    public uint Mask = mask;
}

/// <summary>
/// Where file-change events start (Linux's fsnotify): the syscalls that change or use a file call these after they
/// succeed, and the events go to the watches on the file's inode and, with the file's name, on its directory's.
/// An inode nobody watches costs one field read. A watch holds its inode, so the entry cache keeps that inode (and
/// its name) while it is watched, as Linux pins a watched inode.
/// </summary>
public static class Fsnotify
{
    // Move cookies pair a MOVED_FROM with its MOVED_TO; Linux's are one counter for the whole system too.
    static uint s_cookie;

    static uint IsDir(Inode i) => i.IsDir ? InotifyMask.IN_ISDIR : 0;

    /// <summary>The events Linux reports with an open file's path (fsnotify_access/modify/open/close): a watch with
    /// IN_EXCL_UNLINK ignores them once the file has no name left. Changes of the inode (truncate, attributes) are
    /// reported whatever its names.</summary>
    const uint PathEvents = InotifyMask.IN_ACCESS | InotifyMask.IN_MODIFY | InotifyMask.IN_OPEN |
        InotifyMask.IN_CLOSE_WRITE | InotifyMask.IN_CLOSE_NOWRITE;

    /// <summary>An event on the file at d (open, read, write, close, attributes): its directory's watches see it
    /// with its name — also after the name was removed, as Linux's dentry keeps its parent —, then its own
    /// watches. viaPath: an event of an open file (false for an inode change, such as ftruncate's IN_MODIFY).</summary>
    public static void OnFile(Dentry? d, Inode inode, uint ev, bool viaPath = true)
    {
        bool unlinked = viaPath && (ev & PathEvents) != 0 && inode.IsDeleted;
        var dir = d?.Parent?.Inode;
        if (dir?.Watches != null) Deliver(dir, ev | IsDir(inode), d!.Name, 0, unlinked);
        if (inode.Watches != null) Deliver(inode, ev | IsDir(inode), null, 0, unlinked);
    }

    public static void OnFile(VfsPath p, uint ev, bool viaPath = true)
    {
        if (p.IsValid) OnFile(p.Dentry, p.Inode, ev, viaPath);
    }

    /// <summary>An event on the inode alone (a link count change).</summary>
    public static void OnInode(Inode inode, uint ev)
    {
        if (inode.Watches != null) Deliver(inode, ev | IsDir(inode), null, 0);
    }

    /// <summary>A name made or removed in dir.</summary>
    public static void InDir(Inode dir, string name, uint ev, bool isDir)
    {
        if (dir.Watches != null) Deliver(dir, ev | (isDir ? InotifyMask.IN_ISDIR : 0), name, 0);
    }

    /// <summary>A rename: MOVED_FROM and MOVED_TO with one cookie, the replaced file's link count, MOVE_SELF.</summary>
    public static void Moved(Inode oldDir, string oldName, Inode newDir, string newName, Inode moved, Inode? replaced)
    {
        if (oldDir.Watches != null || newDir.Watches != null)
        {
            uint cookie = Interlocked.Increment(ref s_cookie);
            if (oldDir.Watches != null) Deliver(oldDir, InotifyMask.IN_MOVED_FROM | IsDir(moved), oldName, cookie);
            if (newDir.Watches != null) Deliver(newDir, InotifyMask.IN_MOVED_TO | IsDir(moved), newName, cookie);
        }
        if (replaced != null) OnInode(replaced, InotifyMask.IN_ATTRIB);
        // inotify never flags the *_SELF events IN_ISDIR (Linux masks it out to keep old programs working).
        if (moved.Watches != null) Deliver(moved, InotifyMask.IN_MOVE_SELF, null, 0);
    }

    /// <summary>A name of the inode was removed (unlink, rmdir, replaced by a rename): if that was its last (a
    /// directory has one), DELETE_SELF, then every watch on it ends (IN_IGNORED) — once no open file holds it, as
    /// Linux reports it when the last reference to the dentry goes (<see cref="LastClose"/>).</summary>
    public static void LinkRemoved(Inode inode)
    {
        var ws = inode.Watches;
        if (ws == null) return;
        if (!inode.IsDir && (inode.Stat(out var st) != Errno.None || st.Nlink != 0)) return;
        lock (ws)
            if (Volatile.Read(ref inode.OpenFiles) > 0)
            {
                inode.DeleteSelfPending = true;
                return;
            }
        DeleteSelf(inode);
    }

    /// <summary>The last open file of inode closed (its count already dropped): a DELETE_SELF held back for it goes
    /// now, after the close's own events.</summary>
    public static void LastClose(Inode inode)
    {
        var ws = inode.Watches;
        if (ws == null) return;
        lock (ws)
        {
            if (!inode.DeleteSelfPending || Volatile.Read(ref inode.OpenFiles) > 0) return;
            inode.DeleteSelfPending = false;
        }
        DeleteSelf(inode);
    }

    static void DeleteSelf(Inode inode)
    {
        Deliver(inode, InotifyMask.IN_DELETE_SELF, null, 0);
        foreach (var w in Snapshot(inode)) w.Owner.RemoveWatch(w, ignored: true);
    }

    static InotifyWatch[] Snapshot(Inode inode)
    {
        var ws = inode.Watches;
        if (ws == null) return [];
        lock (ws) return ws.ToArray();
    }

    static void Deliver(Inode inode, uint ev, string? name, uint cookie, bool unlinked = false)
    {
        foreach (var w in Snapshot(inode))
        {
            if ((w.Mask & ev & InotifyMask.IN_ALL_EVENTS) == 0) continue;
            if (unlinked && (w.Mask & InotifyMask.IN_EXCL_UNLINK) != 0) continue;
            w.Owner.Queue(w.Wd, ev, cookie, name);
            if ((w.Mask & InotifyMask.IN_ONESHOT) != 0) w.Owner.RemoveWatch(w, ignored: true);
        }
    }

    /// <summary>Adds w to its inode's watch list.</summary>
    public static void Attach(InotifyWatch w)
    {
        var inode = w.Target;
        Interlocked.CompareExchange(ref inode.Watches, new List<InotifyWatch>(), null);
        lock (inode.Watches) inode.Watches.Add(w);
    }

    /// <summary>Takes w off its inode's list; false if it was no longer there.</summary>
    public static bool Detach(InotifyWatch w)
    {
        var ws = w.Target.Watches;
        if (ws == null) return false;
        lock (ws) return ws.Remove(w);
    }
}
