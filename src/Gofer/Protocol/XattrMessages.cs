namespace AppKernel.Gofer.Protocol;

/// <summary>u64 fid, xattr name, u32 maxSize. maxSize 0 asks only for the size.
/// Reply: <see cref="XattrReply"/>.</summary>
public sealed record GetXattrRequest(ulong Fid, string Name, uint MaxSize) : Request
{
    public override Op Op => Op.GetXattr;

    public override void WritePayload(ref WireWriter w)
    {
        w.U64(Fid);
        w.Str(Name);
        w.U32(MaxSize);
    }

    internal static GetXattrRequest Read(ref WireReader r) => new(r.U64(), r.XattrName(), r.U32());
}

/// <summary>u64 fid, xattr name, i32 flags (XATTR_CREATE 1, XATTR_REPLACE 2), u32 length + value. Reply: <see cref="EmptyReply"/>.</summary>
public sealed record SetXattrRequest(ulong Fid, string Name, byte[] Value, int Flags) : Request
{
    public override Op Op => Op.SetXattr;

    public override void WritePayload(ref WireWriter w)
    {
        w.U64(Fid);
        w.Str(Name);
        w.I32(Flags);
        w.Blob(Value);
    }

    internal static SetXattrRequest Read(ref WireReader r)
    {
        ulong fid = r.U64();
        string name = r.XattrName();
        int flags = r.I32();
        return new SetXattrRequest(fid, name, r.Blob(Wire.MaxMessage), flags);
    }

    public bool Equals(SetXattrRequest? o) => o != null && Fid == o.Fid && Name == o.Name && Flags == o.Flags && Value.AsSpan().SequenceEqual(o.Value);
    public override int GetHashCode() => HashCode.Combine(Fid, Name, Flags, Value.Length);
}

/// <summary>u64 fid, u32 maxSize (0: only the size). Reply: <see cref="XattrReply"/> holding the NUL-separated list.</summary>
public sealed record ListXattrRequest(ulong Fid, uint MaxSize) : Request
{
    public override Op Op => Op.ListXattr;

    public override void WritePayload(ref WireWriter w)
    {
        w.U64(Fid);
        w.U32(MaxSize);
    }

    internal static ListXattrRequest Read(ref WireReader r) => new(r.U64(), r.U32());
}

/// <summary>u64 fid, xattr name. Reply: <see cref="EmptyReply"/>.</summary>
public sealed record RemoveXattrRequest(ulong Fid, string Name) : Request
{
    public override Op Op => Op.RemoveXattr;

    public override void WritePayload(ref WireWriter w)
    {
        w.U64(Fid);
        w.Str(Name);
    }

    internal static RemoveXattrRequest Read(ref WireReader r) => new(r.U64(), r.XattrName());
}

/// <summary>
/// GetXattr and ListXattr: u32 size (the value's or list's full size), u32 length + data. When the request's
/// maxSize was 0 the data is empty and only size counts; otherwise the data is the whole value (length = size).
/// </summary>
public sealed record XattrReply(Op Op, uint Size, byte[] Data) : Reply
{
    public override ushort ReplyOp => (ushort)((ushort)Op | Wire.ReplyBit);

    protected override void WriteFields(ref WireWriter w)
    {
        w.U32(Size);
        w.Blob(Data);
    }

    internal static XattrReply Read(Op op, ref WireReader r)
    {
        uint size = r.U32();
        var data = r.Blob(Wire.MaxXattrValue);
        if (data.Length != 0 && data.Length != size) r.Fail(Errno.EPROTO);
        return new XattrReply(op, size, data);
    }

    public bool Equals(XattrReply? o) => o != null && Err == o.Err && Op == o.Op && Size == o.Size && Data.AsSpan().SequenceEqual(o.Data);
    public override int GetHashCode() => HashCode.Combine(Err, Op, Size, Data.Length);
}
