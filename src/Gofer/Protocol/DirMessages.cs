namespace AppKernel.Gofer.Protocol;

/// <summary>u64 dirFid, u64 cookie (0 = from the start; otherwise a NextCookie of an earlier entry).</summary>
public sealed record ReadDirRequest(ulong DirFid, ulong Cookie) : Request
{
    public override Op Op => Op.ReadDir;

    public override void WritePayload(ref WireWriter w)
    {
        w.U64(DirFid);
        w.U64(Cookie);
    }

    internal static ReadDirRequest Read(ref WireReader r) => new(r.U64(), r.U64());
}

/// <summary>
/// u8 end, u16 count, count × (u64 ino, u8 type, u64 nextCookie, name). As many entries as fit in one message;
/// end (1) says the directory has no entries after these, so the client need not ask again (an empty batch also
/// means the end). "." and ".." are never sent.
/// </summary>
public sealed record ReadDirReply(IReadOnlyList<GoferDirent> Entries, bool End = false) : Reply
{
    public override ushort ReplyOp => (ushort)Op.ReadDir | Wire.ReplyBit;

    /// <summary>Bytes one entry takes on the wire.</summary>
    public static int EntrySize(int nameBytes) => 8 + 1 + 8 + 2 + nameBytes;

    /// <summary>Bytes before the first entry: header, errno, end, count.</summary>
    public const int Overhead = Wire.HeaderSize + 4 + 1 + 2;

    protected override void WriteFields(ref WireWriter w)
    {
        w.U8(End ? (byte)1 : (byte)0);
        w.U16((ushort)Math.Min(Entries.Count, ushort.MaxValue));
        foreach (var e in Entries)
        {
            w.U64(e.Ino);
            w.U8(e.Type);
            w.U64(e.NextCookie);
            w.Str(e.Name);
        }
    }

    internal static ReadDirReply Read(ref WireReader r)
    {
        byte end = r.U8();
        if (end > 1) r.Fail(Errno.EPROTO);
        int count = r.U16();
        // Every entry takes at least 20 bytes: a count the message cannot hold is malformed.
        if (count * EntrySize(1) > r.Remaining) r.Fail(Errno.EPROTO);
        var list = new List<GoferDirent>(r.Failed ? 0 : count);
        for (int i = 0; i < count && !r.Failed; i++)
        {
            ulong ino = r.U64();
            byte type = r.U8();
            ulong next = r.U64();
            list.Add(new GoferDirent(r.Name(), ino, type, next));
        }
        return new ReadDirReply(list, end == 1);
    }

    public bool Equals(ReadDirReply? o) => o != null && Err == o.Err && End == o.End && Entries.SequenceEqual(o.Entries);
    public override int GetHashCode() => HashCode.Combine(Err, Entries.Count);
}
