namespace AppKernel.Gofer.Protocol;

/// <summary>Attach: no fields. Reply: <see cref="FidStatReply"/> for the root.</summary>
public sealed record AttachRequest : Request
{
    public override Op Op => Op.Attach;
    public override void WritePayload(ref WireWriter w) { }
    internal static AttachRequest Read(ref WireReader r) => new();
}

/// <summary>u64 dirFid, u16 count (≤ 64), count names, u8 flags (<see cref="OpenLastFlag"/>,
/// <see cref="ListOnMissFlag"/>; any other bit is EINVAL).</summary>
public sealed record WalkRequest(ulong DirFid, IReadOnlyList<string> Names) : Request
{
    /// <summary>The reply carries an fd of the last name opened read-only when the whole walk succeeds and it is a
    /// regular file: for a path walked to be opened for reading, whose open then needs no request of its own.</summary>
    public const byte OpenLastFlag = 1;

    /// <summary>When the first name is missing (ENOENT, nothing walked), the reply carries the directory's whole listing
    /// if it fits: a directory probed for names it lacks (search paths) is mostly probed for more, which its reader
    /// then answers itself.</summary>
    public const byte ListOnMissFlag = 2;

    public override Op Op => Op.Walk;

    /// <summary>Asks for the last node's read-only fd (<see cref="OpenLastFlag"/>).</summary>
    public bool OpenLast { get; init; }

    /// <summary>Asks for the directory's listing should the first name be missing (<see cref="ListOnMissFlag"/>).</summary>
    public bool ListOnMiss { get; init; }

    public override void WritePayload(ref WireWriter w)
    {
        w.U64(DirFid);
        w.U16((ushort)Math.Min(Names.Count, ushort.MaxValue));
        foreach (var n in Names) w.Str(n);
        w.U8((byte)((OpenLast ? OpenLastFlag : 0) | (ListOnMiss ? ListOnMissFlag : 0)));
    }

    internal static WalkRequest Read(ref WireReader r)
    {
        ulong dir = r.U64();
        int count = r.U16();
        if (count > Wire.MaxWalk) r.Fail(Errno.EPROTO);
        var names = new List<string>(r.Failed ? 0 : count);
        for (int i = 0; i < count && !r.Failed; i++) names.Add(r.Name());
        byte flags = r.U8();
        if (!r.Failed && (flags & ~(OpenLastFlag | ListOnMissFlag)) != 0) r.Fail(Errno.EINVAL);
        return new WalkRequest(dir, names) { OpenLast = (flags & OpenLastFlag) != 0, ListOnMiss = (flags & ListOnMissFlag) != 0 };
    }

    public bool Equals(WalkRequest? o) => o != null && DirFid == o.DirFid && Names.SequenceEqual(o.Names) && OpenLast == o.OpenLast && ListOnMiss == o.ListOnMiss;
    public override int GetHashCode() => HashCode.Combine(DirFid, Names.Count, OpenLast, ListOnMiss);
}

/// <summary>
/// i32 errno, u16 count, count × (u64 fid, stat), then the target of the last component walked if it is a symlink
/// (a path string, empty otherwise), then u8 listed and, when 1, the directory's whole listing as a ReadDir's walked
/// subdirectory carries it (<see cref="WalkRequest.ListOnMissFlag"/>: only with ENOENT and nothing walked) — the list
/// is present even when errno is not 0: it holds the components walked before the one that failed. A walk through a
/// symlink stops there (ENOTDIR), and its reader's next step is that target: bringing it saves a ReadLink round trip.
/// </summary>
public sealed record WalkReply(IReadOnlyList<(ulong Fid, GoferStat Stat)> Walked) : Reply
{
    public override ushort ReplyOp => (ushort)Op.Walk | Wire.ReplyBit;
    protected override bool AlwaysHasFields => true;

    /// <summary>The last walked component's symlink target; null when it is no symlink (or nothing was walked).</summary>
    public string? LastLink { get; init; }

    /// <summary>The directory's whole listing ("." and ".." left out, no cookies), when asked for and its first name
    /// was missing; null otherwise.</summary>
    public IReadOnlyList<GoferDirent>? Listing { get; init; }

    protected override void WriteFields(ref WireWriter w)
    {
        w.U16((ushort)Math.Min(Walked.Count, ushort.MaxValue));
        foreach (var (fid, st) in Walked)
        {
            w.U64(fid);
            w.Stat(st);
        }
        w.Str(LastLink ?? "");
        w.U8(Listing != null ? (byte)1 : (byte)0);
        if (Listing != null) ReadDirReply.WriteEntries(ref w, Listing, cookies: false);
    }

    internal static WalkReply Read(ref WireReader r)
    {
        int count = r.U16();
        if (count > Wire.MaxWalk) r.Fail(Errno.EPROTO);
        var list = new List<(ulong, GoferStat)>(r.Failed ? 0 : count);
        for (int i = 0; i < count && !r.Failed; i++) list.Add((r.U64(), r.Stat()));
        string link = r.PathString();
        // Only a walked symlink has a target (empty: the gofer could not read it, and the reader asks with ReadLink).
        if (!r.Failed && link.Length > 0 && (list.Count == 0 || !list[^1].Item2.IsSymlink)) r.Fail(Errno.EPROTO);
        byte listed = r.Failed ? (byte)0 : r.U8();
        // A listing only where nothing was walked: the directory the walk started from.
        if (listed > 1 || (listed == 1 && list.Count > 0)) r.Fail(Errno.EPROTO);
        var listing = listed == 1 && !r.Failed ? ReadDirReply.ReadEntries(ref r, cookies: false) : null;
        return new WalkReply(list) { LastLink = link.Length > 0 ? link : null, Listing = listing };
    }

    public bool Equals(WalkReply? o) => o != null && Err == o.Err && Walked.SequenceEqual(o.Walked) && LastLink == o.LastLink &&
        (Listing == null ? o.Listing == null : o.Listing != null && Listing.SequenceEqual(o.Listing));
    public override int GetHashCode() => HashCode.Combine(Err, Walked.Count, LastLink);
}

/// <summary>u64 fid. Reply: <see cref="StatReply"/>.</summary>
public sealed record StatRequest(ulong Fid) : Request
{
    public override Op Op => Op.Stat;
    public override void WritePayload(ref WireWriter w) => w.U64(Fid);
    internal static StatRequest Read(ref WireReader r) => new(r.U64());
}

/// <summary>u64 fid, i32 flags. Reply: <see cref="EmptyReply"/> with the host fd as SCM_RIGHTS.</summary>
public sealed record OpenRequest(ulong Fid, int Flags) : Request
{
    public override Op Op => Op.Open;

    public override void WritePayload(ref WireWriter w)
    {
        w.U64(Fid);
        w.I32(Flags);
    }

    internal static OpenRequest Read(ref WireReader r) => new(r.U64(), r.I32());
}

/// <summary>u64 fid.</summary>
public sealed record ReadLinkRequest(ulong Fid) : Request
{
    public override Op Op => Op.ReadLink;
    public override void WritePayload(ref WireWriter w) => w.U64(Fid);
    internal static ReadLinkRequest Read(ref WireReader r) => new(r.U64());
}

/// <summary>string target (≤ 4095 bytes).</summary>
public sealed record ReadLinkReply(string Target) : Reply
{
    public override ushort ReplyOp => (ushort)Op.ReadLink | Wire.ReplyBit;
    protected override void WriteFields(ref WireWriter w) => w.Str(Target);
    internal static ReadLinkReply Read(ref WireReader r) => new(r.PathString());
}

/// <summary>u64 fid.</summary>
public sealed record StatFsRequest(ulong Fid) : Request
{
    public override Op Op => Op.StatFs;
    public override void WritePayload(ref WireWriter w) => w.U64(Fid);
    internal static StatFsRequest Read(ref WireReader r) => new(r.U64());
}

/// <summary>i64 type, i64 bsize, u64 blocks, bfree, bavail, files, ffree, i64 namelen, frsize, flags.</summary>
public sealed record StatFsReply(GoferStatFs StatFs) : Reply
{
    public override ushort ReplyOp => (ushort)Op.StatFs | Wire.ReplyBit;

    protected override void WriteFields(ref WireWriter w)
    {
        var s = StatFs;
        w.I64(s.Type);
        w.I64(s.Bsize);
        w.U64(s.Blocks);
        w.U64(s.Bfree);
        w.U64(s.Bavail);
        w.U64(s.Files);
        w.U64(s.Ffree);
        w.I64(s.NameLen);
        w.I64(s.Frsize);
        w.I64(s.Flags);
    }

    internal static StatFsReply Read(ref WireReader r) =>
        new(new GoferStatFs(r.I64(), r.I64(), r.U64(), r.U64(), r.U64(), r.U64(), r.U64(), r.I64(), r.I64(), r.I64()));
}

/// <summary>u16 count (≤ 8000), count × u64 fid. Reply: <see cref="EmptyReply"/> (EBADF if any fid was unknown; the others are released anyway).</summary>
public sealed record ClunkRequest(IReadOnlyList<ulong> Fids) : Request
{
    public override Op Op => Op.Clunk;

    public override void WritePayload(ref WireWriter w)
    {
        w.U16((ushort)Math.Min(Fids.Count, ushort.MaxValue));
        foreach (var f in Fids) w.U64(f);
    }

    internal static ClunkRequest Read(ref WireReader r)
    {
        int count = r.U16();
        if (count > Wire.MaxClunk || count * 8 > r.Remaining) r.Fail(Errno.EPROTO);
        var fids = new ulong[r.Failed ? 0 : count];
        for (int i = 0; i < fids.Length; i++) fids[i] = r.U64();
        return new ClunkRequest(fids);
    }

    public bool Equals(ClunkRequest? o) => o != null && Fids.SequenceEqual(o.Fids);
    public override int GetHashCode() => Fids.Count;
}
