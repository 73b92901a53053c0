using System.Buffers.Binary;
using System.Text;
using AppKernel.Gofer.Native;
using AppKernel.Gofer.Protocol;
using Microsoft.Extensions.Logging;
using static Tmds.Linux.LibC;

namespace AppKernel.Gofer.Server;

/// <summary>
/// ReadDir: opens the held directory (its "."), seeks to the cookie (a d_off from getdents64) and
/// returns as many entries as fit in one reply. "." and ".." are left out (the Sentry makes its own), and so are
/// names that are not UTF-8 (the protocol's names are UTF-8; such a file cannot be named by the Sentry anyway).
/// </summary>
public sealed unsafe partial class GoferServer
{

    Reply ReadDir(ReadDirRequest q)
    {
        if (!_fids.TryGet(q.DirFid, out var node)) return Fail(Op.ReadDir, Errno.EBADF);
        if (!node.IsDir) return Fail(Op.ReadDir, Errno.ENOTDIR);
        // "." of the held directory opens that very directory, like /proc/self/fd's link, for less work.
        int dfd;
        fixed (byte* dot = ".\0"u8) dfd = openat(node.Fd, dot, GoferSys.O_RDONLY | GoferSys.O_DIRECTORY | GoferSys.O_CLOEXEC, 0);
        if (dfd < 0) return Fail(Op.ReadDir, LastErrno);
        try
        {
            if (q.Cookie != 0 && (long)lseek(dfd, (long)q.Cookie, GoferSys.SEEK_SET) < 0) return Fail(Op.ReadDir, LastErrno);
            var entries = new List<GoferDirent>();
            int budget = Wire.MaxMessage - ReadDirReply.Overhead;
            while (true)
            {
                long n = ReadDirents(dfd);
                if (n < 0) return Fail(Op.ReadDir, (Errno)Platform.Native.Host.Errno);
                if (n == 0) return Done(end: true); // the client need not ask again
                if (!Parse(_scratch.AsSpan(0, (int)n), entries, ref budget, listing: false)) return Done(end: false);
            }

            ReadDirReply Done(bool end) =>
                new(entries, end) { Walked = q.WalkDirs ? WalkDirs(q.DirFid, node.Fd, entries, budget, q.ListDirs) : Array.Empty<WalkedDir>() };
        }
        finally
        {
            close(dfd);
        }
    }

    /// <summary>Walks the batch's subdirectories as Walk does, while the reply has room; none if there are more than
    /// <see cref="ReadDirReply.MaxWalkedDirs"/>. One that fails to walk is left out. With <paramref name="list"/>,
    /// each also brings its listing when the whole of it fits in what the reply has left after the walked records
    /// still to come: the directory is then opened for reading (O_NOFOLLOW, as a walk), listed through that
    /// descriptor, and the node keeps it.</summary>
    List<WalkedDir> WalkDirs(ulong dirFid, int dirFd, List<GoferDirent> entries, int budget, bool list)
    {
        var walked = new List<WalkedDir>();
        int dirs = 0;
        foreach (var e in entries) if (e.Type == ReadDirReply.DT_DIR) dirs++;
        if (dirs == 0 || dirs > ReadDirReply.MaxWalkedDirs) return walked;
        Span<byte> name = stackalloc byte[CStr.NameBuf];
        for (int i = 0; i < entries.Count && budget >= ReadDirReply.WalkedSize && !_fids.Full; i++)
        {
            if (entries[i].Type != ReadDirReply.DT_DIR) continue;
            dirs--;
            if (!CStr.Put(entries[i].Name, name)) continue;
            var nameZ = name[..(name.IndexOf((byte)0) + 1)];
            int room = budget - ReadDirReply.WalkedSize - dirs * ReadDirReply.WalkedSize - ReadDirReply.ListingOverhead;
            int fd = -1;
            List<GoferDirent>? listing = null;
            if (list && room >= 0)
            {
                fixed (byte* p = nameZ) fd = openat(dirFd, p, GoferSys.O_RDONLY | GoferSys.O_DIRECTORY | GoferSys.O_NOFOLLOW | GoferSys.O_CLOEXEC, 0);
                if (fd >= 0) listing = ListWhole(fd, ref room);
            }
            if (fd < 0) fd = OpenNoFollow(dirFd, nameZ, 0);
            if (fd < 0 || Adopt(fd, dirFid, nameZ, out ulong fid, out var st) != Errno.None) continue;
            budget = listing != null ? room + dirs * ReadDirReply.WalkedSize : budget - ReadDirReply.WalkedSize;
            walked.Add(new WalkedDir(i, fid, st, listing));
        }
        return walked;
    }

    /// <summary>The whole listing of the directory open (for reading, at its start) as fd, if it takes no more than
    /// room bytes on the wire (room is then what is left); null if it does not, or cannot be read.</summary>
    List<GoferDirent>? ListWhole(int fd, ref int room)
    {
        var listing = new List<GoferDirent>();
        int left = room;
        while (true)
        {
            long n = ReadDirents(fd);
            if (n < 0) return null;
            if (n == 0) break;
            if (!Parse(_scratch.AsSpan(0, (int)n), listing, ref left, listing: true)) return null;
        }
        room = left;
        return listing;
    }

    /// <summary>One getdents64 of the directory open as fd into the scratch buffer: the bytes read, or -1 (errno set).
    /// Half a message: dirents are never smaller on the host than on the wire, so that fills a reply.</summary>
    long ReadDirents(int fd)
    {
        fixed (byte* buf = _scratch) return Platform.Native.Host.syscall(GoferSys.SYS_getdents64, fd, (long)buf, Math.Min(_scratch.Length, Wire.MaxMessage / 2));
    }

    /// <summary>Adds the entries of one getdents64 buffer; false once the reply is full. A listing's entries
    /// (<paramref name="listing"/>) carry no cookie.</summary>
    bool Parse(ReadOnlySpan<byte> buf, List<GoferDirent> into, ref int budget, bool listing)
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
            int size = listing ? ReadDirReply.ListedEntrySize(name.Length) : ReadDirReply.EntrySize(name.Length);
            if (size > budget) return false;
            budget -= size;
            into.Add(new GoferDirent(LinuxText.Decode(name), ino, type, listing ? 0 : next));
        }
        return true;
    }
}
