namespace AppKernel.Gofer.Protocol;

/// <summary>u64 dirFid, name, i32 flags, u32 mode, u32 uid, u32 gid. O_CREAT|O_EXCL semantics.
/// Reply: <see cref="FidStatReply"/> with the open host fd as SCM_RIGHTS.</summary>
public sealed record CreateRequest(ulong DirFid, string Name, int Flags, uint Mode, uint Uid, uint Gid) : Request
{
    public override Op Op => Op.Create;

    public override void WritePayload(ref WireWriter w)
    {
        w.U64(DirFid);
        w.Str(Name);
        w.I32(Flags);
        w.U32(Mode);
        w.U32(Uid);
        w.U32(Gid);
    }

    internal static CreateRequest Read(ref WireReader r) => new(r.U64(), r.Name(), r.I32(), r.U32(), r.U32(), r.U32());
}

/// <summary>u64 dirFid, name, u32 mode, u32 uid, u32 gid. Reply: <see cref="FidStatReply"/>.</summary>
public sealed record MkdirRequest(ulong DirFid, string Name, uint Mode, uint Uid, uint Gid) : Request
{
    public override Op Op => Op.Mkdir;

    public override void WritePayload(ref WireWriter w)
    {
        w.U64(DirFid);
        w.Str(Name);
        w.U32(Mode);
        w.U32(Uid);
        w.U32(Gid);
    }

    internal static MkdirRequest Read(ref WireReader r) => new(r.U64(), r.Name(), r.U32(), r.U32(), r.U32());
}

/// <summary>u64 dirFid, name, u32 mode (S_IFIFO, S_IFSOCK or S_IFREG), u32 uid, u32 gid. Reply: <see cref="FidStatReply"/>.</summary>
public sealed record MknodRequest(ulong DirFid, string Name, uint Mode, uint Uid, uint Gid) : Request
{
    public override Op Op => Op.Mknod;

    public override void WritePayload(ref WireWriter w)
    {
        w.U64(DirFid);
        w.Str(Name);
        w.U32(Mode);
        w.U32(Uid);
        w.U32(Gid);
    }

    internal static MknodRequest Read(ref WireReader r) => new(r.U64(), r.Name(), r.U32(), r.U32(), r.U32());
}

/// <summary>u64 dirFid, name, string target, u32 uid, u32 gid. Reply: <see cref="FidStatReply"/>.</summary>
public sealed record SymlinkRequest(ulong DirFid, string Name, string Target, uint Uid, uint Gid) : Request
{
    public override Op Op => Op.Symlink;

    public override void WritePayload(ref WireWriter w)
    {
        w.U64(DirFid);
        w.Str(Name);
        w.Str(Target);
        w.U32(Uid);
        w.U32(Gid);
    }

    internal static SymlinkRequest Read(ref WireReader r) => new(r.U64(), r.Name(), r.PathString(), r.U32(), r.U32());
}

/// <summary>u64 dirFid, name, u64 targetFid. Reply: <see cref="StatReply"/> of the linked inode.</summary>
public sealed record LinkRequest(ulong DirFid, string Name, ulong TargetFid) : Request
{
    public override Op Op => Op.Link;

    public override void WritePayload(ref WireWriter w)
    {
        w.U64(DirFid);
        w.Str(Name);
        w.U64(TargetFid);
    }

    internal static LinkRequest Read(ref WireReader r) => new(r.U64(), r.Name(), r.U64());
}

/// <summary>u64 dirFid, name, u8 removeDir (0 or 1). Reply: <see cref="EmptyReply"/>.</summary>
public sealed record UnlinkRequest(ulong DirFid, string Name, bool RemoveDir) : Request
{
    public override Op Op => Op.Unlink;

    public override void WritePayload(ref WireWriter w)
    {
        w.U64(DirFid);
        w.Str(Name);
        w.U8(RemoveDir ? (byte)1 : (byte)0);
    }

    internal static UnlinkRequest Read(ref WireReader r) => new(r.U64(), r.Name(), r.Bool());
}

/// <summary>u64 oldDirFid, oldName, u64 newDirFid, newName, u32 flags (RENAME_NOREPLACE 1, RENAME_EXCHANGE 2). Reply: <see cref="EmptyReply"/>.</summary>
public sealed record RenameRequest(ulong OldDirFid, string OldName, ulong NewDirFid, string NewName, uint Flags) : Request
{
    public override Op Op => Op.Rename;

    public override void WritePayload(ref WireWriter w)
    {
        w.U64(OldDirFid);
        w.Str(OldName);
        w.U64(NewDirFid);
        w.Str(NewName);
        w.U32(Flags);
    }

    internal static RenameRequest Read(ref WireReader r) => new(r.U64(), r.Name(), r.U64(), r.Name(), r.U32());
}

/// <summary>u64 fid, u32 mask, u32 mode, u32 uid, u32 gid, i64 size, i64 atimeNs, i64 mtimeNs (ns since the epoch).
/// Reply: <see cref="StatReply"/> with the new attributes.</summary>
public sealed record SetAttrRequest(ulong Fid, SetAttrMask Mask, uint Mode, uint Uid, uint Gid, long Size, long AtimeNs, long MtimeNs) : Request
{
    public override Op Op => Op.SetAttr;

    public override void WritePayload(ref WireWriter w)
    {
        w.U64(Fid);
        w.U32((uint)Mask);
        w.U32(Mode);
        w.U32(Uid);
        w.U32(Gid);
        w.I64(Size);
        w.I64(AtimeNs);
        w.I64(MtimeNs);
    }

    internal static SetAttrRequest Read(ref WireReader r) =>
        new(r.U64(), (SetAttrMask)r.U32(), r.U32(), r.U32(), r.U32(), r.I64(), r.I64(), r.I64());
}
