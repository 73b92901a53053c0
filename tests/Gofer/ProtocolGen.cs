using System.Text;
using AppKernel.Gofer;
using AppKernel.Gofer.Protocol;
using FsCheck;
using FsCheck.Fluent;

namespace AppKernel.Tests.Gofer;

/// <summary>FsCheck generators for every request and reply of the protocol (valid ones: names that obey the rules).</summary>
public static class ProtocolGen
{
    static readonly Gen<ulong> U64 = ArbMap.Default.GeneratorFor<ulong>();
    static readonly Gen<uint> U32 = ArbMap.Default.GeneratorFor<uint>();
    static readonly Gen<int> I32 = ArbMap.Default.GeneratorFor<int>();
    static readonly Gen<long> I64 = ArbMap.Default.GeneratorFor<long>();
    static readonly Gen<byte> U8 = ArbMap.Default.GeneratorFor<byte>();
    static readonly Gen<bool> Bool = ArbMap.Default.GeneratorFor<bool>();

    // Letters, digits, punctuation (but never '/' or NUL), spaces, and multi-byte characters.
    static readonly Gen<char> NameChar = Gen.Elements("abcXYZ019 .-_~!@#$%^&*()[]{}'\"\\\t\näöüßé€漢字🙂".EnumerateRunes()
        .SelectMany(r => r.ToString()).Distinct().Where(c => !char.IsSurrogate(c)).ToArray());

    static readonly Gen<string> Emoji = Gen.Constant("🙂");

    // Raw bytes (any but NUL and '/'), decoded as the kernel does: names that are not UTF-8.
    static readonly Gen<string> ByteName =
        Gen.Choose(1, 40).SelectMany(n => Gen.ArrayOf(Gen.Choose(1, 255).Where(b => b != '/').Select(b => (byte)b), n))
            .Select(b => LinuxText.Decode(b));

    public static readonly Gen<string> Name =
        Gen.Frequency(
            (2, ByteName),
            (8, Gen.Choose(1, 24).SelectMany(n => Gen.ArrayOf(Gen.Frequency((9, NameChar.Select(c => c.ToString())), (1, Emoji)), n))
                .Select(parts => string.Concat(parts))),
            (1, Gen.Constant(new string('n', 255))),
            (1, Gen.Constant(string.Concat(Enumerable.Repeat("é", 127)) + "x")))
        .Where(s => s != "." && s != ".." && LinuxText.ByteCount(s) <= Wire.NameMax);

    public static readonly Gen<string> PathStr =
        Gen.Frequency(
            (6, Gen.Choose(0, 40).SelectMany(n => Gen.ArrayOf(Gen.Frequency((9, NameChar), (1, Gen.Constant('/'))), n)).Select(a => new string(a))),
            (1, ByteName),
            (1, Gen.Constant(new string('p', Wire.PathMax))));

    static readonly Gen<string> XattrName = Gen.Elements("user.a", "user.with/slash", "trusted.x", "security.selinux", "user." + new string('x', 250), "user.ü");

    /// <summary>The walked subdirectories a ReadDir reply may carry: some of its directory entries, each once; the
    /// first few with a listing when one is given for them (a few, so that the reply still fits in a message).</summary>
    static List<WalkedDir> WalkedDirs(IReadOnlyList<GoferDirent> entries, IReadOnlyList<(ulong Fid, GoferStat Stat)> fids,
        IReadOnlyList<GoferDirent[]?> listings)
    {
        var walked = new List<WalkedDir>();
        for (int i = 0, k = 0; i < entries.Count && k < fids.Count && walked.Count < ReadDirReply.MaxWalkedDirs; i++)
            if (entries[i].Type == ReadDirReply.DT_DIR)
            {
                walked.Add(new WalkedDir(i, fids[k].Fid, fids[k].Stat, k < listings.Count ? listings[k] : null));
                k++;
            }
        return walked;
    }

    // A walked subdirectory's listing: none, empty, or a few entries (no cookies on the wire: 0).
    static readonly Gen<GoferDirent[]?> Listing = Gen.Frequency(
        (1, Gen.Constant<GoferDirent[]?>(null)),
        (3, Up(4, from n in Name from i in ArbMap.Default.GeneratorFor<ulong>() from t in Gen.Elements((byte)4, (byte)8, (byte)10)
                  select new GoferDirent(n, i, t, 0)).Select(a => (GoferDirent[]?)a)));

    public static readonly Gen<GoferStat> Stat =
        from a in Z4(U64, U64, U32, U64)
        from b in Z4(U32, U32, U64, I64)
        from c in Z4(I64, I64, I64, I64)
        from d in Z4(I64, I64, I64, I64)
        select new GoferStat(a.Item1, a.Item2, a.Item3, a.Item4, b.Item1, b.Item2, b.Item3, b.Item4,
            c.Item1, c.Item2, c.Item3, c.Item4, d.Item1, d.Item2, d.Item3, d.Item4);

    static readonly Gen<GoferStatFs> StatFs =
        from a in Z4(I64, I64, U64, U64)
        from b in Z3(U64, U64, U64)
        from c in Z3(I64, I64, I64)
        select new GoferStatFs(a.Item1, a.Item2, a.Item3, a.Item4, b.Item1, b.Item2, b.Item3, c.Item1, c.Item2, c.Item3);

    static Gen<(A, B, C)> Z3<A, B, C>(Gen<A> a, Gen<B> b, Gen<C> c) => from x in a from y in b from z in c select (x, y, z);
    static Gen<(A, B, C, D)> Z4<A, B, C, D>(Gen<A> a, Gen<B> b, Gen<C> c, Gen<D> d) => from x in a from y in b from z in c from w in d select (x, y, z, w);
    static Gen<T[]> Up<T>(int max, Gen<T> g) => Gen.Choose(0, max).SelectMany(n => Gen.ArrayOf(g, n));
    static Gen<T[]> Exactly<T>(int n, Gen<T> g) => Gen.ArrayOf(g, n);
    static Gen<byte[]> Bytes(int max, int big) => Gen.Frequency((9, Up(max, U8)), (1, Gen.Constant(new byte[big])));

    public static readonly Gen<Request> Request = Gen.OneOf(
        Gen.Constant((Request)new AttachRequest()),
        (from d in U64 from n in Up(Wire.MaxWalk, Name) from o in Gen.Elements(true, false) from l in Gen.Elements(true, false)
         select (Request)new WalkRequest(d, n) { OpenLast = o, ListOnMiss = l }),
        U64.Select(f => (Request)new StatRequest(f)),
        Gen.Zip(U64, I32).Select(t => (Request)new OpenRequest(t.Item1, t.Item2)),
        (from f in U64 from n in Name from fl in I32 from m in Z3(U32, U32, U32)
         select (Request)new CreateRequest(f, n, fl, m.Item1, m.Item2, m.Item3)),
        (from f in U64 from n in Name from m in Z3(U32, U32, U32) select (Request)new MkdirRequest(f, n, m.Item1, m.Item2, m.Item3)),
        (from f in U64 from n in Name from m in Z3(U32, U32, U32) select (Request)new MknodRequest(f, n, m.Item1, m.Item2, m.Item3)),
        (from f in U64 from n in Name from t in PathStr from m in Gen.Zip(U32, U32) select (Request)new SymlinkRequest(f, n, t, m.Item1, m.Item2)),
        (from f in U64 from n in Name from t in U64 select (Request)new LinkRequest(f, n, t)),
        (from f in U64 from n in Name from b in Bool select (Request)new UnlinkRequest(f, n, b)),
        (from f in U64 from n in Name from g in U64 from m in Name from fl in U32 select (Request)new RenameRequest(f, n, g, m, fl)),
        (from f in U64 from c in U64 from w in Bool from l in Bool select (Request)new ReadDirRequest(f, c, w, w && l)),
        U64.Select(f => (Request)new ReadLinkRequest(f)),
        (from f in U64 from m in U32 from a in Z3(U32, U32, U32) from b in Z3(I64, I64, I64)
         select (Request)new SetAttrRequest(f, (SetAttrMask)m, a.Item1, a.Item2, a.Item3, b.Item1, b.Item2, b.Item3)),
        U64.Select(f => (Request)new StatFsRequest(f)),
        (from f in U64 from n in XattrName from s in U32 select (Request)new GetXattrRequest(f, n, s)),
        (from f in U64 from n in XattrName from v in Bytes(300, Wire.MaxSetXattrValue) from fl in I32 select (Request)new SetXattrRequest(f, n, v, fl)),
        Gen.Zip(U64, U32).Select(t => (Request)new ListXattrRequest(t.Item1, t.Item2)),
        Gen.Zip(U64, XattrName).Select(t => (Request)new RemoveXattrRequest(t.Item1, t.Item2)),
        Gen.Frequency((9, Up(300, U64)), (1, Exactly(Wire.MaxClunk, U64))).Select(f => (Request)new ClunkRequest(f)));

    static readonly Gen<Errno> Failure = Gen.Elements(Errno.ENOENT, Errno.EACCES, Errno.EROFS, Errno.EIO, Errno.ENXIO, Errno.ENAMETOOLONG, (Errno)4095);

    static readonly Op[] FidStatOps = { Op.Attach, Op.Create, Op.Mkdir, Op.Mknod, Op.Symlink };
    static readonly Op[] StatOps = { Op.Stat, Op.Link, Op.SetAttr };
    static readonly Op[] EmptyOps = { Op.Open, Op.Unlink, Op.Rename, Op.SetXattr, Op.RemoveXattr, Op.Clunk };

    static readonly Gen<Reply> SuccessReply = Gen.OneOf(
        (from op in Gen.Elements(FidStatOps) from f in U64 from s in Stat select (Reply)new FidStatReply(op, f, s)),
        (from op in Gen.Elements(StatOps) from s in Stat select (Reply)new StatReply(op, s)),
        Gen.Elements(EmptyOps).Select(op => (Reply)new EmptyReply(op)),
        Up(Wire.MaxWalk, Gen.Zip(U64, Stat)).Select(w => (Reply)new WalkReply(w)),
        (from e in Up(200, from n in Name from i in U64 from t in Gen.Elements((byte)4, (byte)8, (byte)10) from c in U64 select new GoferDirent(n, i, t, c))
         from end in Gen.Elements(true, false)
         from w in Gen.ListOf(Gen.Zip(U64, Stat))
         from l in Up(3, Listing)
         select (Reply)new ReadDirReply(e, end) { Walked = WalkedDirs(e, w, l) }),
        PathStr.Select(t => (Reply)new ReadLinkReply(t)),
        StatFs.Select(s => (Reply)new StatFsReply(s)),
        (from op in Gen.Elements(Op.GetXattr, Op.ListXattr) from d in Bytes(300, Wire.MaxXattrValue) select (Reply)new XattrReply(op, (uint)d.Length, d)),
        (from op in Gen.Elements(Op.GetXattr, Op.ListXattr) from size in U32 select (Reply)new XattrReply(op, size, Array.Empty<byte>())));

    static readonly Gen<Reply> FailedReply = Gen.OneOf(
        (from op in Gen.Elements(Enum.GetValues<Op>()) from e in Failure select Codec.Failure(op, e)),
        (from w in Up(Wire.MaxWalk - 1, Gen.Zip(U64, Stat)) from e in Failure select (Reply)new WalkReply(w) { Err = e }),
        // A miss at the first name, with the directory's listing (or none: it did not fit).
        (from l in Listing select (Reply)new WalkReply(Array.Empty<(ulong, GoferStat)>()) { Err = Errno.ENOENT, Listing = l }),
        Failure.Select(e => (Reply)new ErrorReply(e)));

    public static readonly Gen<Reply> Reply = Gen.Frequency((3, SuccessReply), (1, FailedReply));
}
