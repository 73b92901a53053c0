using AppKernel.Sentry.Memory;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace AppKernel.Tests.Memory;

/// <summary>Model-based tests: VmaSet against a page → (prot, file, offset) dictionary.</summary>
public class VmaSetTests
{
    const ulong Page = 4096;
    const ulong Base = 0x10000; // page 0 of the model; keeps 0 out of the address range so FindGapTopDown's 0 is unambiguous
    const int Pages = 64;

    static ulong Addr(int page) => Base + (ulong)page * Page;

    public enum Kind { Map, Unmap, Protect, Gap }

    public sealed record Op(Kind Kind, int Start, int Len, Prot Prot, int File, int FileOffPages, int Bottom, int Top)
    {
        public override string ToString() => Kind switch
        {
            Kind.Map => $"Map[{Start},{Start + Len}) {Prot} file={File}@{FileOffPages}",
            Kind.Unmap => $"Unmap[{Start},{Start + Len})",
            Kind.Protect => $"Protect[{Start},{Start + Len}) {Prot}",
            _ => $"Gap(len={Len}, [{Bottom},{Top}))",
        };
    }

    readonly record struct PageState(Prot Prot, int File, long FileOffPages);

    static readonly Gen<Prot> Prots = Gen.Choose(0, 7).Select(p => (Prot)p);

    static readonly Gen<Op> Ops =
        from kind in Gen.Frequency((4, Gen.Constant(Kind.Map)), (2, Gen.Constant(Kind.Unmap)),
            (2, Gen.Constant(Kind.Protect)), (2, Gen.Constant(Kind.Gap)))
        from start in Gen.Choose(0, Pages - 1)
        from len in Gen.Choose(1, 20)
        from prot in Prots
        from file in Gen.Choose(0, 2)
        from foff in Gen.Choose(0, 100)
        from bottom in Gen.Choose(0, Pages + 2)
        from span in Gen.Choose(0, Pages + 2)
        select new Op(kind, start, kind == Kind.Gap ? len : Math.Min(len, Pages + 4 - start), prot, file, foff, bottom, bottom + span);

    static readonly Gen<Op[]> Programs = Gen.Choose(0, 60).SelectMany(n => Gen.ArrayOf(Ops, n));

    static readonly MappedFile[] Files = { new("/a", 1, 10), new("/b", 1, 11) };

    static void CheckInvariants(VmaSet set)
    {
        var all = set.All;
        for (int i = 0; i < all.Count; i++)
        {
            Assert.True(all[i].Start < all[i].End, $"empty vma {all[i]}");
            Assert.True(all[i].Start % Page == 0 && all[i].End % Page == 0, $"unaligned vma {all[i]}");
            if (i > 0) Assert.True(all[i - 1].End <= all[i].Start, $"vmas out of order or overlapping: {all[i - 1]} {all[i]}");
        }
        Assert.Equal(all.Count, set.Count);
    }

    static void CheckAgainstModel(VmaSet set, Dictionary<int, PageState> model)
    {
        CheckInvariants(set);
        // Every VMA page is in the model with the same attributes...
        int mappedPages = 0;
        foreach (var v in set.All)
        {
            for (ulong a = v.Start; a < v.End; a += Page)
            {
                int p = (int)((a - Base) / Page);
                Assert.True(a >= Base && model.ContainsKey(p), $"page {p} mapped in VmaSet but not in model ({v})");
                var m = model[p];
                Assert.Equal(m.Prot, v.Prot);
                if (m.File == 0) Assert.Null(v.File);
                else
                {
                    Assert.Same(Files[m.File - 1], v.File);
                    Assert.Equal((ulong)m.FileOffPages * Page, v.Offset + (a - v.Start));
                }
                mappedPages++;
            }
        }
        // ...and the model has no others.
        Assert.Equal(model.Count, mappedPages);
        for (int p = -1; p < Pages + 6; p++)
        {
            var f = set.Find(Addr(p) + 123);
            Assert.Equal(model.ContainsKey(p), f != null);
            if (f != null) Assert.Equal(model[p].Prot, f.Prot);
        }
    }

    static void CheckQueries(VmaSet set, Dictionary<int, PageState> model, int s, int len)
    {
        ulong a = Addr(s), e = Addr(s + len);
        bool any = Enumerable.Range(s, len).Any(model.ContainsKey);
        bool all = Enumerable.Range(s, len).All(model.ContainsKey);
        Assert.Equal(any, set.Overlaps(a, e));
        Assert.Equal(all, set.FullyMapped(a, e));
        // Sub-page ranges inside the first page.
        Assert.Equal(model.ContainsKey(s), set.Overlaps(a + 100, a + 200));
        Assert.Equal(model.ContainsKey(s), set.FullyMapped(a + 100, a + 200));

        var slice = set.Slice(a, e);
        ulong prevEnd = 0;
        int slicePages = 0;
        foreach (var v in slice)
        {
            Assert.True(v.Start >= a && v.End <= e && v.Start < v.End, $"slice piece {v} outside [{a:x},{e:x})");
            Assert.True(v.Start >= prevEnd);
            prevEnd = v.End;
            for (ulong x = v.Start; x < v.End; x += Page)
            {
                int p = (int)((x - Base) / Page);
                Assert.True(model.TryGetValue(p, out var m), $"slice covers unmapped page {p}");
                Assert.Equal(m.Prot, v.Prot);
                if (m.File != 0) Assert.Equal((ulong)m.FileOffPages * Page, v.Offset + (x - v.Start));
                slicePages++;
            }
        }
        Assert.Equal(Enumerable.Range(s, len).Count(model.ContainsKey), slicePages);
        // Slice copies: mutating them must not change the set.
        foreach (var v in slice) v.Prot = (Prot)7 ^ v.Prot;
        foreach (var v in slice) v.End = v.Start + Page;
    }

    static void CheckGap(VmaSet set, Dictionary<int, PageState> model, Op op)
    {
        ulong len = (ulong)op.Len * Page, bottom = Addr(op.Bottom), top = Addr(op.Top);
        ulong got = set.FindGapTopDown(len, bottom, top);
        // Highest page-aligned start r with [r, r+len) inside [bottom, top) and free in the model.
        ulong best = 0;
        for (int r = op.Top - op.Len; r >= op.Bottom; r--)
            if (Enumerable.Range(r, op.Len).All(p => !model.ContainsKey(p))) { best = Addr(r); break; }
        if (got != 0)
        {
            Assert.True(got >= bottom && got + len <= top, $"gap {got:x}+{len:x} outside [{bottom:x},{top:x})");
            Assert.False(set.Overlaps(got, got + len), $"gap {got:x}+{len:x} overlaps a vma");
            for (ulong x = got; x < got + len; x += Page)
                Assert.False(model.ContainsKey((int)((x - Base) / Page)), $"gap {got:x} overlaps mapped page in model");
        }
        Assert.Equal(best, got);
    }

    static void Apply(VmaSet set, Dictionary<int, PageState> model, Op op)
    {
        ulong s = Addr(op.Start), e = Addr(op.Start + op.Len);
        switch (op.Kind)
        {
            case Kind.Map:
                set.Remove(s, e);
                set.Insert(new Vma
                {
                    Start = s, End = e, Prot = op.Prot, File = op.File == 0 ? null : Files[op.File - 1],
                    Offset = op.File == 0 ? 0 : (ulong)op.FileOffPages * Page,
                });
                for (int i = 0; i < op.Len; i++)
                    model[op.Start + i] = new PageState(op.Prot, op.File, op.File == 0 ? 0 : op.FileOffPages + i);
                break;
            case Kind.Unmap:
                set.Remove(s, e);
                for (int i = 0; i < op.Len; i++) model.Remove(op.Start + i);
                break;
            case Kind.Protect:
                set.Update(s, e, v => v.Prot = op.Prot);
                for (int i = 0; i < op.Len; i++)
                    if (model.TryGetValue(op.Start + i, out var m)) model[op.Start + i] = m with { Prot = op.Prot };
                break;
            case Kind.Gap:
                CheckGap(set, model, op);
                break;
        }
    }

    static void Run(Op[] program)
    {
        var set = new VmaSet();
        var model = new Dictionary<int, PageState>();
        foreach (var op in program)
        {
            Apply(set, model, op);
            CheckAgainstModel(set, model);
            if (op.Kind != Kind.Gap) CheckQueries(set, model, op.Start, op.Len);
            CheckAgainstModel(set, model);
        }
    }

    [Property(MaxTest = 400)]
    public Property AgreesWithPageModel() => Prop.ForAll(Arb.From(Programs), Run);

    [Property(MaxTest = 200)]
    public Property FindGapTopDown_AgreesWithModel() =>
        Prop.ForAll(Arb.From(Programs), Arb.From(Gen.ArrayOf(Ops.Select(o => o with { Kind = Kind.Gap }), 10)), (prog, gaps) =>
        {
            var set = new VmaSet();
            var model = new Dictionary<int, PageState>();
            foreach (var op in prog.Where(o => o.Kind != Kind.Gap)) Apply(set, model, op);
            foreach (var g in gaps) CheckGap(set, model, g);
        });

    [Fact]
    public void Insert_RejectsOverlapAndEmpty()
    {
        var set = new VmaSet();
        set.Insert(new Vma { Start = Addr(2), End = Addr(4), Prot = Prot.Read });
        Assert.ThrowsAny<Exception>(() => set.Insert(new Vma { Start = Addr(3), End = Addr(5) }));
        Assert.ThrowsAny<Exception>(() => set.Insert(new Vma { Start = Addr(1), End = Addr(3) }));
        Assert.ThrowsAny<Exception>(() => set.Insert(new Vma { Start = Addr(6), End = Addr(6) }));
        set.Insert(new Vma { Start = Addr(4), End = Addr(5) });
        set.Insert(new Vma { Start = Addr(0), End = Addr(2) });
        Assert.Equal(3, set.Count);
        CheckInvariants(set);
    }

    [Fact]
    public void Protect_MiddleOfMapping_SplitsInThree()
    {
        var set = new VmaSet();
        var f = new MappedFile("/x", 1, 2);
        set.Insert(new Vma { Start = Addr(0), End = Addr(10), Prot = Prot.Read | Prot.Write, File = f, Offset = 0x5000 });
        set.Update(Addr(3), Addr(5), v => v.Prot = Prot.Read);
        Assert.Equal(3, set.Count);
        Assert.Equal((Addr(0), Addr(3), Prot.Read | Prot.Write, 0x5000UL), (set.All[0].Start, set.All[0].End, set.All[0].Prot, set.All[0].Offset));
        Assert.Equal((Addr(3), Addr(5), Prot.Read, 0x8000UL), (set.All[1].Start, set.All[1].End, set.All[1].Prot, set.All[1].Offset));
        Assert.Equal((Addr(5), Addr(10), Prot.Read | Prot.Write, 0xa000UL), (set.All[2].Start, set.All[2].End, set.All[2].Prot, set.All[2].Offset));
    }

    [Fact]
    public void FindGapTopDown_EmptySet_ReturnsTopMinusLen_AndZeroWhenTooSmall()
    {
        var set = new VmaSet();
        Assert.Equal(Addr(10) - 3 * Page, set.FindGapTopDown(3 * Page, Addr(0), Addr(10)));
        Assert.Equal(0UL, set.FindGapTopDown(11 * Page, Addr(0), Addr(10)));
        set.Insert(new Vma { Start = Addr(8), End = Addr(12) });
        Assert.Equal(Addr(5), set.FindGapTopDown(3 * Page, Addr(0), Addr(10)));
        Assert.Equal(0UL, set.FindGapTopDown(3 * Page, Addr(6), Addr(10)));
        Assert.Equal(Addr(12), set.FindGapTopDown(2 * Page, Addr(0), Addr(14)));
    }
}
