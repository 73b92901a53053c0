using static AppKernel.Sentry.Vfs.InotifyMask;

namespace AppKernel.Sentry.Vfs;

/// <summary>
/// dnotify (fcntl F_NOTIFY): a directory watched through one open description from one fd table. An event in the
/// directory sends SIGIO (or F_SETSIG's signal, with the fd) to the description's owner, which F_NOTIFY sets to the
/// caller's process. It rides on the inotify watch machinery with DN_* mapped onto inotify's events; without
/// DN_MULTISHOT the first event ends it (IN_ONESHOT). Closing any fd of the description in that table ends it.
/// </summary>
public sealed class Dnotify : IWatchOwner
{
    public const uint DN_ACCESS = 0x1, DN_MODIFY = 0x2, DN_CREATE = 0x4, DN_DELETE = 0x8, DN_RENAME = 0x10,
        DN_ATTRIB = 0x20, DN_MULTISHOT = 0x8000_0000;

    readonly Kernel.Kernel _kernel;
    readonly FileDescription _file;
    readonly FdTable _table;
    readonly int _fd;
    uint _dnMask;
    InotifyWatch? _watch;

    Dnotify(Kernel.Kernel kernel, FileDescription file, FdTable table, int fd)
    {
        _kernel = kernel; _file = file; _table = table; _fd = fd;
    }

    static uint ToInotify(uint dn) =>
        ((dn & DN_ACCESS) != 0 ? IN_ACCESS : 0) | ((dn & DN_MODIFY) != 0 ? IN_MODIFY : 0) |
        ((dn & DN_CREATE) != 0 ? IN_CREATE : 0) | ((dn & DN_DELETE) != 0 ? IN_DELETE : 0) |
        ((dn & DN_RENAME) != 0 ? IN_MOVED_FROM | IN_MOVED_TO : 0) | ((dn & DN_ATTRIB) != 0 ? IN_ATTRIB : 0) |
        ((dn & DN_MULTISHOT) != 0 ? 0 : IN_ONESHOT);

    /// <summary>
    /// fcntl(fd, F_NOTIFY, arg): no event bits ends this table's registration; else the directory is watched for
    /// them (added to an existing registration's, as Linux) and the caller's process becomes the file's owner.
    /// </summary>
    public static Errno Set(Kernel.Task t, FileDescription f, int fd, uint arg)
    {
        if ((arg & ~DN_MULTISHOT) == 0) { Flush(f, t.Fds); return Errno.None; }
        if (f.Inode is not { IsDir: true } dir) return Errno.ENOTDIR;
        lock (f)
        {
            f.Dnotifies ??= new List<Dnotify>();
            var dn = f.Dnotifies.Find(d => d._table == t.Fds);
            if (dn == null) f.Dnotifies.Add(dn = new Dnotify(t.Kernel, f, t.Fds, fd));
            lock (dn)
            {
                dn._dnMask |= arg;
                if (dn._watch == null) Fsnotify.Attach(dn._watch = new InotifyWatch(dn, 0, dir, ToInotify(dn._dnMask)));
                else dn._watch.Mask = ToInotify(dn._dnMask);
            }
        }
        FileAsync.Of(f).SetOwner(FileAsync.F_OWNER_PID, t.Tgid, t);
        return Errno.None;
    }

    /// <summary>A close of one of the description's fds in table: that table's registration ends (dnotify_flush).</summary>
    public static void Flush(FileDescription f, FdTable table)
    {
        if (f.Dnotifies == null) return;
        Dnotify? dn;
        lock (f)
        {
            dn = f.Dnotifies.Find(d => d._table == table);
            if (dn == null) return;
            f.Dnotifies.Remove(dn);
        }
        if (dn._watch is { } w) dn.RemoveWatch(w, ignored: false);
    }

    public void Queue(int wd, uint mask, uint cookie, string? name) =>
        FileAsync.SendSigio(_kernel, _file, _fd, FileAsync.POLL_MSG);

    public void RemoveWatch(InotifyWatch w, bool ignored)
    {
        lock (this)
        {
            if (_watch != w) return;
            _watch = null;
            // A one-shot registration that has fired is spent: a later F_NOTIFY starts from no events.
            _dnMask = 0;
        }
        Fsnotify.Detach(w);
    }
}
