using System.Text;
using AppKernel.Gofer.Native;
using AppKernel.Gofer.Protocol;
using static Tmds.Linux.LibC;

namespace AppKernel.Gofer.Server;

/// <summary>
/// Extended attributes, only on regular files and directories (reopened read-only through /proc/self/fd, then
/// f*xattr). Other nodes have none: GetXattr ENODATA, ListXattr empty, SetXattr EPERM, RemoveXattr ENODATA.
/// A value or list larger than a reply can carry (64 KiB less 24 bytes) is E2BIG.
/// </summary>
public sealed unsafe partial class GoferServer
{
    int OpenForXattr(in Node node) => Reopen(node.Fd, GoferSys.O_RDONLY | (node.IsDir ? GoferSys.O_DIRECTORY : 0));

    static bool HasXattrs(in Node node) => node.IsReg || node.IsDir;

    Reply GetXattr(GetXattrRequest q)
    {
        if (!_fids.TryGet(q.Fid, out var node)) return Fail(Op.GetXattr, Errno.EBADF);
        if (!HasXattrs(node)) return Fail(Op.GetXattr, Errno.ENODATA);
        Span<byte> name = stackalloc byte[CStr.NameBuf];
        if (!CStr.Put(q.Name, name)) return Fail(Op.GetXattr, Errno.ERANGE);
        int fd = OpenForXattr(node);
        if (fd < 0) return Fail(Op.GetXattr, LastErrno);
        try
        {
            int cap = (int)Math.Min(q.MaxSize, (uint)Wire.MaxXattrValue);
            long n;
            fixed (byte* p = name)
            fixed (byte* v = _scratch)
                n = GoferSys.fgetxattr(fd, p, cap == 0 ? null : v, (nuint)cap);
            if (n < 0) return Fail(Op.GetXattr, XattrSizeErrno((Errno)GoferSys.Errno, q.MaxSize, cap));
            if (cap == 0) return new XattrReply(Op.GetXattr, (uint)n, Array.Empty<byte>());
            return new XattrReply(Op.GetXattr, (uint)n, _scratch.AsSpan(0, (int)n).ToArray());
        }
        finally
        {
            close(fd);
        }
    }

    /// <summary>ERANGE only when the client's buffer was too small; when the reply's limit was, E2BIG.</summary>
    static Errno XattrSizeErrno(Errno e, uint asked, int cap) => e == Errno.ERANGE && asked > (uint)cap ? Errno.E2BIG : e;

    Reply ListXattr(ListXattrRequest q)
    {
        if (!_fids.TryGet(q.Fid, out var node)) return Fail(Op.ListXattr, Errno.EBADF);
        if (!HasXattrs(node)) return new XattrReply(Op.ListXattr, 0, Array.Empty<byte>());
        int fd = OpenForXattr(node);
        if (fd < 0) return Fail(Op.ListXattr, LastErrno);
        try
        {
            int cap = (int)Math.Min(q.MaxSize, (uint)Wire.MaxXattrValue);
            long n;
            fixed (byte* v = _scratch) n = GoferSys.flistxattr(fd, cap == 0 ? null : v, (nuint)cap);
            if (n < 0) return Fail(Op.ListXattr, XattrSizeErrno((Errno)GoferSys.Errno, q.MaxSize, cap));
            if (cap == 0) return new XattrReply(Op.ListXattr, (uint)n, Array.Empty<byte>());
            return new XattrReply(Op.ListXattr, (uint)n, _scratch.AsSpan(0, (int)n).ToArray());
        }
        finally
        {
            close(fd);
        }
    }

    Reply SetXattr(SetXattrRequest q)
    {
        if (!_fids.TryGet(q.Fid, out var node)) return Fail(Op.SetXattr, Errno.EBADF);
        if (!_writable) return Fail(Op.SetXattr, Errno.EROFS);
        if ((q.Flags & ~(Wire.XATTR_CREATE | Wire.XATTR_REPLACE)) != 0 || q.Flags == (Wire.XATTR_CREATE | Wire.XATTR_REPLACE))
            return Fail(Op.SetXattr, Errno.EINVAL);
        if (!HasXattrs(node)) return Fail(Op.SetXattr, Errno.EPERM);
        Span<byte> name = stackalloc byte[CStr.NameBuf];
        if (!CStr.Put(q.Name, name)) return Fail(Op.SetXattr, Errno.ERANGE);
        int fd = OpenForXattr(node);
        if (fd < 0) return Fail(Op.SetXattr, LastErrno);
        try
        {
            fixed (byte* p = name)
            fixed (byte* v = q.Value)
                if (GoferSys.fsetxattr(fd, p, v, (nuint)q.Value.Length, q.Flags) < 0) return Fail(Op.SetXattr, (Errno)GoferSys.Errno);
            return new EmptyReply(Op.SetXattr);
        }
        finally
        {
            close(fd);
        }
    }

    Reply RemoveXattr(RemoveXattrRequest q)
    {
        if (!_fids.TryGet(q.Fid, out var node)) return Fail(Op.RemoveXattr, Errno.EBADF);
        if (!_writable) return Fail(Op.RemoveXattr, Errno.EROFS);
        if (!HasXattrs(node)) return Fail(Op.RemoveXattr, Errno.ENODATA);
        Span<byte> name = stackalloc byte[CStr.NameBuf];
        if (!CStr.Put(q.Name, name)) return Fail(Op.RemoveXattr, Errno.ERANGE);
        int fd = OpenForXattr(node);
        if (fd < 0) return Fail(Op.RemoveXattr, LastErrno);
        try
        {
            fixed (byte* p = name)
                if (GoferSys.fremovexattr(fd, p) < 0) return Fail(Op.RemoveXattr, (Errno)GoferSys.Errno);
            return new EmptyReply(Op.RemoveXattr);
        }
        finally
        {
            close(fd);
        }
    }
}
