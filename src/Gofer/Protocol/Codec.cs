namespace AppKernel.Gofer.Protocol;

/// <summary>
/// Whole messages: header + payload. Encoding never throws (false when the message does not fit in 64 KiB);
/// decoding never throws and never trusts a length it has not checked against the packet.
/// </summary>
public static class Codec
{
    /// <summary>Encodes a request; returns the message length, or -1 if it does not fit.</summary>
    public static int EncodeRequest(Request req, uint tag, Span<byte> buf)
    {
        var w = new WireWriter(buf.Length > Wire.MaxMessage ? buf[..Wire.MaxMessage] : buf);
        w.Header((ushort)req.Op, tag);
        req.WritePayload(ref w);
        return w.Finish() ? w.Length : -1;
    }

    /// <summary>Encodes a reply; returns the message length, or -1 if it does not fit.</summary>
    public static int EncodeReply(Reply rep, uint tag, Span<byte> buf)
    {
        var w = new WireWriter(buf.Length > Wire.MaxMessage ? buf[..Wire.MaxMessage] : buf);
        w.Header(rep.ReplyOp, tag);
        rep.WritePayload(ref w);
        return w.Finish() ? w.Length : -1;
    }

    /// <summary>
    /// Decodes one request packet. On failure <paramref name="req"/> is null and the errno says why:
    /// EPROTO for framing (length, version, unknown op, truncation, trailing bytes, counts, bad UTF-8),
    /// EINVAL for a name that is "", ".", "..", or holds '/' or NUL, ENAMETOOLONG for an over-long string.
    /// <paramref name="tag"/> is the packet's tag whenever it has a header (for the error reply).
    /// </summary>
    public static Errno DecodeRequest(ReadOnlySpan<byte> msg, out uint tag, out Request? req)
    {
        req = null;
        tag = 0;
        if (!MessageHeader.TryRead(msg, out var h)) return Errno.EPROTO;
        tag = h.Tag;
        if (!h.Frames(msg.Length) || !Wire.IsKnown(h.Op)) return Errno.EPROTO;
        var r = new WireReader(msg[Wire.HeaderSize..]);
        Request q = (Op)h.Op switch
        {
            Op.Attach => AttachRequest.Read(ref r),
            Op.Walk => WalkRequest.Read(ref r),
            Op.Stat => StatRequest.Read(ref r),
            Op.Open => OpenRequest.Read(ref r),
            Op.Create => CreateRequest.Read(ref r),
            Op.Mkdir => MkdirRequest.Read(ref r),
            Op.Mknod => MknodRequest.Read(ref r),
            Op.Symlink => SymlinkRequest.Read(ref r),
            Op.Link => LinkRequest.Read(ref r),
            Op.Unlink => UnlinkRequest.Read(ref r),
            Op.Rename => RenameRequest.Read(ref r),
            Op.ReadDir => ReadDirRequest.Read(ref r),
            Op.ReadLink => ReadLinkRequest.Read(ref r),
            Op.SetAttr => SetAttrRequest.Read(ref r),
            Op.StatFs => StatFsRequest.Read(ref r),
            Op.GetXattr => GetXattrRequest.Read(ref r),
            Op.SetXattr => SetXattrRequest.Read(ref r),
            Op.ListXattr => ListXattrRequest.Read(ref r),
            Op.RemoveXattr => RemoveXattrRequest.Read(ref r),
            _ => ClunkRequest.Read(ref r),
        };
        r.End();
        if (r.Failed) return r.Error;
        req = q;
        return Errno.None;
    }

    /// <summary>
    /// Decodes one reply packet. Any malformation is EPROTO (the caller reports EIO).
    /// An <see cref="ErrorReply"/> decodes as itself; a failed reply of any other op carries no fields except Walk's list.
    /// </summary>
    public static Errno DecodeReply(ReadOnlySpan<byte> msg, out uint tag, out Reply? rep)
    {
        rep = null;
        tag = 0;
        if (!MessageHeader.TryRead(msg, out var h)) return Errno.EPROTO;
        tag = h.Tag;
        if (!h.Frames(msg.Length) || (h.Op & Wire.ReplyBit) == 0) return Errno.EPROTO;
        ushort op = (ushort)(h.Op & ~Wire.ReplyBit);
        if (op != 0 && !Wire.IsKnown(op)) return Errno.EPROTO;
        var r = new WireReader(msg[Wire.HeaderSize..]);
        int err = r.I32();
        if (err < 0 || err > 4095 || (op == 0 && err == 0)) r.Fail(Errno.EPROTO);
        if (r.Failed) return Errno.EPROTO;
        Reply p;
        if (op == 0) p = new ErrorReply((Errno)err);
        else if (err != 0 && (Op)op != Op.Walk) p = Failure((Op)op, (Errno)err);
        else
        {
            p = (Op)op switch
            {
                Op.Attach or Op.Create or Op.Mkdir or Op.Mknod or Op.Symlink => FidStatReply.Read((Op)op, ref r),
                Op.Stat or Op.Link or Op.SetAttr => StatReply.Read((Op)op, ref r),
                Op.Walk => WalkReply.Read(ref r),
                Op.ReadDir => ReadDirReply.Read(ref r),
                Op.ReadLink => ReadLinkReply.Read(ref r),
                Op.StatFs => StatFsReply.Read(ref r),
                Op.GetXattr or Op.ListXattr => XattrReply.Read((Op)op, ref r),
                _ => EmptyReply.Read((Op)op, ref r),
            };
            p = p with { Err = (Errno)err };
        }
        r.End();
        if (r.Failed) return Errno.EPROTO;
        rep = p;
        return Errno.None;
    }

    /// <summary>The failed reply of an op: its reply type with <paramref name="err"/> and no fields.</summary>
    public static Reply Failure(Op op, Errno err) => (op switch
    {
        Op.Attach or Op.Create or Op.Mkdir or Op.Mknod or Op.Symlink => new FidStatReply(op, 0, default),
        Op.Stat or Op.Link or Op.SetAttr => new StatReply(op, default),
        Op.Walk => new WalkReply(Array.Empty<(ulong, GoferStat)>()),
        Op.ReadDir => new ReadDirReply(Array.Empty<GoferDirent>()),
        Op.ReadLink => new ReadLinkReply(""),
        Op.StatFs => new StatFsReply(default(GoferStatFs)),
        Op.GetXattr or Op.ListXattr => new XattrReply(op, 0, Array.Empty<byte>()),
        _ => (Reply)new EmptyReply(op),
    }) with { Err = err };
}
