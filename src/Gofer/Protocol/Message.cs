namespace AppKernel.Gofer.Protocol;

/// <summary>A request: the header's op names its type; the payload is written by <see cref="WritePayload"/>.</summary>
public abstract record Request
{
    public abstract Op Op { get; }
    public abstract void WritePayload(ref WireWriter w);
}

/// <summary>
/// A reply: payload is <c>i32 errno</c>, then the op's fields only when errno is 0
/// (Walk is the exception: its list of walked components is always present).
/// </summary>
public abstract record Reply
{
    public Errno Err { get; init; }

    /// <summary>The header op: the request's op | 0x8000 (0x8000 alone for <see cref="ErrorReply"/>).</summary>
    public abstract ushort ReplyOp { get; }

    public void WritePayload(ref WireWriter w)
    {
        w.I32((int)Err);
        if (Err == Errno.None || AlwaysHasFields) WriteFields(ref w);
    }

    protected virtual bool AlwaysHasFields => false;
    protected abstract void WriteFields(ref WireWriter w);
}

/// <summary>The reply to a request that could not be decoded (bad framing, version, op, string): errno only.</summary>
public sealed record ErrorReply : Reply
{
    public ErrorReply(Errno err) => Err = err;
    public override ushort ReplyOp => Wire.ErrorReplyOp;
    protected override void WriteFields(ref WireWriter w) { }
}

/// <summary>Reply with no fields (Open: the host fd travels as SCM_RIGHTS; Unlink, Rename, SetXattr, RemoveXattr, Clunk).</summary>
public sealed record EmptyReply(Op Op) : Reply
{
    public override ushort ReplyOp => (ushort)((ushort)Op | Wire.ReplyBit);
    protected override void WriteFields(ref WireWriter w) { }
    internal static EmptyReply Read(Op op, ref WireReader r) => new(op);
}

/// <summary>u64 fid, stat: Attach, Create (plus a host fd as SCM_RIGHTS), Mkdir, Mknod, Symlink.</summary>
public sealed record FidStatReply(Op Op, ulong Fid, GoferStat Stat) : Reply
{
    public override ushort ReplyOp => (ushort)((ushort)Op | Wire.ReplyBit);

    protected override void WriteFields(ref WireWriter w)
    {
        w.U64(Fid);
        w.Stat(Stat);
    }

    internal static FidStatReply Read(Op op, ref WireReader r) => new(op, r.U64(), r.Stat());
}

/// <summary>stat: Stat, Link, SetAttr.</summary>
public sealed record StatReply(Op Op, GoferStat Stat) : Reply
{
    public override ushort ReplyOp => (ushort)((ushort)Op | Wire.ReplyBit);
    protected override void WriteFields(ref WireWriter w) => w.Stat(Stat);
    internal static StatReply Read(Op op, ref WireReader r) => new(op, r.Stat());
}
