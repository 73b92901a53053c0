using System.Buffers.Binary;
using System.Text;
using AppKernel.Gofer.Native;
using AppKernel.Gofer.Protocol;
using Microsoft.Extensions.Logging;
using static Tmds.Linux.LibC;

namespace AppKernel.Gofer.Server;

/// <summary>
/// ReadDir: opens the held directory through /proc/self/fd, seeks to the cookie (a d_off from getdents64) and
/// returns as many entries as fit in one reply. "." and ".." are left out (the Sentry makes its own), and so are
/// names that are not UTF-8 (the protocol's names are UTF-8; such a file cannot be named by the Sentry anyway).
/// </summary>
public sealed unsafe partial class GoferServer
{

    Reply ReadDir(ReadDirRequest q)
    {
        if (!_fids.TryGet(q.DirFid, out var node)) return Fail(Op.ReadDir, Errno.EBADF);
        if (!node.IsDir) return Fail(Op.ReadDir, Errno.ENOTDIR);
        int dfd = Reopen(node.Fd, GoferSys.O_RDONLY | GoferSys.O_DIRECTORY);
        if (dfd < 0) return Fail(Op.ReadDir, LastErrno);
        try
        {
            if (q.Cookie != 0 && (long)lseek(dfd, (long)q.Cookie, GoferSys.SEEK_SET) < 0) return Fail(Op.ReadDir, LastErrno);
            var entries = new List<GoferDirent>();
            int budget = Wire.MaxMessage - ReadDirReply.Overhead;
            // Dirents are never smaller on the host than on the wire, so a half-message read fills the reply.
            int chunk = Math.Min(_scratch.Length, 32768);
            while (true)
            {
                long n;
                fixed (byte* buf = _scratch) n = Platform.Native.Host.syscall(GoferSys.SYS_getdents64, dfd, (long)buf, chunk);
                if (n < 0) return Fail(Op.ReadDir, (Errno)Platform.Native.Host.Errno);
                if (n == 0) return new ReadDirReply(entries, End: true); // the client need not ask again
                if (!Parse(_scratch.AsSpan(0, (int)n), entries, ref budget)) return new ReadDirReply(entries);
            }
        }
        finally
        {
            close(dfd);
        }
    }

    /// <summary>Adds the entries of one getdents64 buffer; false once the reply is full.</summary>
    bool Parse(ReadOnlySpan<byte> buf, List<GoferDirent> into, ref int budget)
    {
        int off = 0;
        while (off + 19 <= buf.Length)
        {
            ulong ino = BinaryPrimitives.ReadUInt64LittleEndian(buf[off..]);
            ulong next = BinaryPrimitives.ReadUInt64LittleEndian(buf[(off + 8)..]);
            int reclen = BinaryPrimitives.ReadUInt16LittleEndian(buf[(off + 16)..]);
            byte type = buf[off + 18];
            if (reclen < 20 || off + reclen > buf.Length) break; // cannot happen: the kernel's own records
            var raw = buf.Slice(off + 19, reclen - 19);
            int z = raw.IndexOf((byte)0);
            var name = z < 0 ? raw : raw[..z];
            off += reclen;
            if (!Names.IsValidName(name)) continue; // "." and ".."
            int size = ReadDirReply.EntrySize(name.Length);
            if (size > budget) return false;
            budget -= size;
            into.Add(new GoferDirent(LinuxText.Decode(name), ino, type, next));
        }
        return true;
    }
}
