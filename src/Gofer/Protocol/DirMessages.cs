namespace AppKernel.Gofer.Protocol;

/// <summary>u64 dirFid, u64 cookie (0 = from the start; otherwise a NextCookie of an earlier entry), u8 subdirs:
/// 0, or 1 to also walk the batch's subdirectories (when it has at most <see cref="ReadDirReply.MaxWalkedDirs"/>),
/// so that a tree walk need not ask for each one again, or 3 to walk them and also send the listing of each that
/// fits whole in the reply (a tree walk lists them next: a leaf then costs no round trip at all).</summary>
public sealed record ReadDirRequest(ulong DirFid, ulong Cookie, bool WalkDirs = false, bool ListDirs = false) : Request
{
    public override Op Op => Op.ReadDir;

    const byte Walk = 1, WalkAndList = 3;

    public override void WritePayload(ref WireWriter w)
    {
        w.U64(DirFid);
        w.U64(Cookie);
        w.U8(!WalkDirs ? (byte)0 : ListDirs ? WalkAndList : Walk);
    }

    internal static ReadDirRequest Read(ref WireReader r)
    {
        ulong dir = r.U64(), cookie = r.U64();
        byte subdirs = r.U8();
        if (subdirs is not (0 or Walk or WalkAndList)) r.Fail(Errno.EPROTO);
        return new(dir, cookie, subdirs != 0, subdirs == WalkAndList);
    }
}

/// <summary>A subdirectory a ReadDir walked: Entries[Index] of its reply, its fid and stat as a Walk gives them, and,
/// when the request asked and it fit, its whole listing ("." and ".." left out; NextCookie 0: a complete listing
/// is never resumed).</summary>
public readonly record struct WalkedDir(int Index, ulong Fid, GoferStat Stat, IReadOnlyList<GoferDirent>? Listing = null)
{
    public bool Equals(WalkedDir o) => Index == o.Index && Fid == o.Fid && Stat == o.Stat &&
        (Listing == null ? o.Listing == null : o.Listing != null && Listing.SequenceEqual(o.Listing));

    public override int GetHashCode() => HashCode.Combine(Index, Fid, Listing?.Count ?? -1);
}

/// <summary>
/// u8 end, u16 count, count × (u64 ino, u8 type, u64 nextCookie, name), u16 walked, walked × (u16 index, u64 fid,
/// stat, u8 listed, [listed: u16 n, n × (u64 ino, u8 type, name)]). As many entries as fit in one message; end (1)
/// says the directory has no entries after these, so the client need not ask again (an empty batch also means the
/// end). "." and ".." are never sent. Walked: the subdirectories among the entries that the request asked to walk
/// (Entries[index]), each with a fid of its own as a Walk of that name gives, and its complete listing if asked
/// for and it fit; any not there the client walks itself.
/// </summary>
public sealed record ReadDirReply(IReadOnlyList<GoferDirent> Entries, bool End = false) : Reply
{
    /// <summary>A batch with more subdirectories than this is listed without walking them: a plain `ls` of a
    /// directory of thousands of directories should not pay for fids it never uses.</summary>
    public const int MaxWalkedDirs = 256;

    /// <summary>getdents64's d_type of a directory.</summary>
    public const byte DT_DIR = 4;

    /// <summary>Bytes one walked subdirectory takes on the wire without its listing.</summary>
    public const int WalkedSize = 2 + 8 + Wire.StatSize + 1;

    /// <summary>Bytes a walked subdirectory's listing takes besides its entries: the count.</summary>
    public const int ListingOverhead = 2;

    /// <summary>Bytes one entry of a walked subdirectory's listing takes on the wire.</summary>
    public static int ListedEntrySize(int nameBytes) => 8 + 1 + 2 + nameBytes;

    public IReadOnlyList<WalkedDir> Walked { get; init; } = Array.Empty<WalkedDir>();

    public override ushort ReplyOp => (ushort)Op.ReadDir | Wire.ReplyBit;

    /// <summary>Bytes one entry takes on the wire.</summary>
    public static int EntrySize(int nameBytes) => 8 + 1 + 8 + 2 + nameBytes;

    /// <summary>Bytes besides the entries and the walked subdirectories: header, errno, end, the two counts.</summary>
    public const int Overhead = Wire.HeaderSize + 4 + 1 + 2 + 2;

    protected override void WriteFields(ref WireWriter w)
    {
        w.U8(End ? (byte)1 : (byte)0);
        WriteEntries(ref w, Entries, cookies: true);
        w.U16((ushort)Math.Min(Walked.Count, ushort.MaxValue));
        foreach (var d in Walked)
        {
            w.U16((ushort)d.Index);
            w.U64(d.Fid);
            w.Stat(d.Stat);
            w.U8(d.Listing != null ? (byte)1 : (byte)0);
            if (d.Listing != null) WriteEntries(ref w, d.Listing, cookies: false);
        }
    }

    // u16 count, count × (u64 ino, u8 type, [u64 nextCookie,] name): a batch has cookies, a whole listing none.
    internal static void WriteEntries(ref WireWriter w, IReadOnlyList<GoferDirent> entries, bool cookies)
    {
        w.U16((ushort)Math.Min(entries.Count, ushort.MaxValue));
        foreach (var e in entries)
        {
            w.U64(e.Ino);
            w.U8(e.Type);
            if (cookies) w.U64(e.NextCookie);
            w.Str(e.Name);
        }
    }

    internal static List<GoferDirent> ReadEntries(ref WireReader r, bool cookies)
    {
        int count = r.U16();
        // Every entry takes at least its fields and a one-byte name: a count the message cannot hold is malformed.
        if (count * (cookies ? EntrySize(1) : ListedEntrySize(1)) > r.Remaining) r.Fail(Errno.EPROTO);
        var list = new List<GoferDirent>(r.Failed ? 0 : count);
        for (int i = 0; i < count && !r.Failed; i++)
        {
            ulong ino = r.U64();
            byte type = r.U8();
            ulong next = cookies ? r.U64() : 0;
            list.Add(new GoferDirent(r.Name(), ino, type, next));
        }
        return list;
    }

    internal static ReadDirReply Read(ref WireReader r)
    {
        byte end = r.U8();
        if (end > 1) r.Fail(Errno.EPROTO);
        var list = ReadEntries(ref r, cookies: true);
        int nWalked = r.Failed ? 0 : r.U16();
        if (nWalked > Math.Min(list.Count, MaxWalkedDirs) || nWalked * WalkedSize > r.Remaining) r.Fail(Errno.EPROTO);
        var walked = new List<WalkedDir>(r.Failed ? 0 : nWalked);
        var seen = nWalked == 0 ? null : new bool[list.Count];
        for (int i = 0; i < nWalked && !r.Failed; i++)
        {
            int index = r.U16();
            ulong fid = r.U64();
            var st = r.Stat();
            byte listed = r.U8();
            // Each names one entry, once, and a directory (the client keys them by its name).
            if (index >= list.Count || list[index].Type != DT_DIR || seen![index] || listed > 1) { r.Fail(Errno.EPROTO); break; }
            seen[index] = true;
            walked.Add(new WalkedDir(index, fid, st, listed == 1 ? ReadEntries(ref r, cookies: false) : null));
        }
        return new ReadDirReply(list, end == 1) { Walked = walked };
    }

    public bool Equals(ReadDirReply? o) => o != null && Err == o.Err && End == o.End && Entries.SequenceEqual(o.Entries) &&
        Walked.SequenceEqual(o.Walked);
    public override int GetHashCode() => HashCode.Combine(Err, Entries.Count);
}
