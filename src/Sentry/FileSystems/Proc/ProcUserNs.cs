using AppKernel.Sentry.FileSystems.Synthetic;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.FileSystems.Proc;

/// <summary>
/// /proc/[pid]/uid_map, gid_map and setgroups: the task's user namespace as it was when the file was opened.
/// Reads show it in the opener's view; a write is one write at offset 0 (UserNamespace.WriteMap, "allow"/"deny"),
/// checked with the opener's credentials of the time of the open.
/// </summary>
public sealed class ProcUserNsFile : SynthInode
{
    public enum Kind { UidMap, GidMap, Setgroups }

    readonly Task _p;
    readonly Kind _kind;

    public ProcUserNsFile(Task p, Kind kind)
    {
        _p = p;
        _kind = kind;
        Perm = 0x1a4; // 0644
    }

    protected override uint TypeBits => InodeMode.S_IFREG;

    public override Errno Open(Task t, VfsPath path, int flags, out FileDescription? fd)
    {
        fd = null;
        var ns = _p.Creds.UserNs;
        // proc_setgroups_open: writing needs CAP_SYS_ADMIN in the namespace.
        if (_kind == Kind.Setgroups && OpenFlags.CanWrite(flags) && !t.Creds.HasIn(ns, Credentials.CAP_SYS_ADMIN)) return Errno.EACCES;
        fd = new UserNsFileDescription(flags, path, this, ns, _kind, t);
        return Errno.None;
    }

    public override Errno Truncate(long size) => Errno.None;

    sealed class UserNsFileDescription : FileDescription
    {
        readonly UserNamespace _ns;
        readonly Kind _kind;
        /// <summary>The opener's credentials as they were (Linux's file->f_cred): what map writes are checked with.</summary>
        readonly Credentials _opener;
        byte[] _data;
        bool _fresh = true;

        public UserNsFileDescription(int flags, VfsPath path, Inode inode, UserNamespace ns, Kind kind, Task opener) : base(flags, path, inode)
        {
            _ns = ns;
            _kind = kind;
            _opener = opener.Creds.Fork();
            _data = Text(opener);
        }

        public override bool PositionalWrites => false;

        byte[] Text(Task reader) => LinuxText.Encode(_kind switch
        {
            Kind.UidMap => _ns.ShowMap(reader.Creds.UserNs, false),
            Kind.GidMap => _ns.ShowMap(reader.Creds.UserNs, true),
            _ => _ns.SetgroupsAllowed ? "allow\n" : "deny\n",
        });

        public override long ReadAt(Task t, Span<byte> buf, long offset)
        {
            if (offset < 0) return -(long)Errno.EINVAL;
            if (offset == 0 && buf.Length > 0)
            {
                if (!_fresh) _data = Text(t);
                _fresh = false;
            }
            if (offset >= _data.Length) return 0;
            int n = (int)Math.Min(buf.Length, _data.Length - offset);
            _data.AsSpan((int)offset, n).CopyTo(buf);
            return n;
        }

        public override long WriteAt(Task t, ReadOnlySpan<byte> buf, long offset)
        {
            if (!OpenFlags.CanWrite(Flags)) return -(long)Errno.EBADF;
            var e = _kind == Kind.Setgroups ? WriteSetgroups(buf, offset) : _ns.WriteMap(_opener, t.Creds, _kind == Kind.GidMap, buf, offset);
            return e != Errno.None ? -(long)e : buf.Length;
        }

        /// <summary>Linux's proc_setgroups_write: "allow" or "deny" (then only spaces), under 8 bytes at offset 0;
        /// "allow" after "deny" or "deny" after the gid map is written is EPERM.</summary>
        Errno WriteSetgroups(ReadOnlySpan<byte> buf, long offset)
        {
            const int MaxSetgroupsWrite = 8;
            if (offset != 0 || buf.Length >= MaxSetgroupsWrite) return Errno.EINVAL;
            int nul = buf.IndexOf((byte)0);
            if (nul >= 0) buf = buf[..nul];
            bool allow;
            ReadOnlySpan<byte> rest;
            if (buf.StartsWith("allow"u8)) { allow = true; rest = buf[5..]; }
            else if (buf.StartsWith("deny"u8)) { allow = false; rest = buf[4..]; }
            else return Errno.EINVAL;
            foreach (byte b in rest)
                if (b != ' ' && (b < '\t' || b > '\r')) return Errno.EINVAL;
            if (allow) return _ns.SetgroupsAllowed ? Errno.None : Errno.EPERM;
            return _ns.DenySetgroups() ? Errno.None : Errno.EPERM;
        }
    }
}
