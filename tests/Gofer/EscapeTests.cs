using System.Text;
using AppKernel.Gofer;
using AppKernel.Gofer.Protocol;
using Xunit;
using static Tmds.Linux.LibC;

namespace AppKernel.Tests.Gofer;

/// <summary>
/// Attempts to reach host files outside the served root, or to make the gofer open what it must not.
/// Each test sets up a secret outside the root and checks that no reply ever carries it.
/// </summary>
public sealed class GoferEscapeTests : IDisposable
{
    const int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2;
    const uint S_IFMT = 0xF000, S_IFLNK = 0xA000, S_IFCHR = 0x2000, S_IFBLK = 0x6000;

    readonly string _outside = Directory.CreateTempSubdirectory("gofer-outside-").FullName;
    readonly string _secret;

    public GoferEscapeTests()
    {
        _secret = Path.Combine(_outside, "secret");
        File.WriteAllText(_secret, "the host's secret");
    }

    public void Dispose()
    {
        try { Directory.Delete(_outside, recursive: true); }
        catch (IOException) { }
    }

    [Fact]
    public void SymlinkToAHostFileOutside_IsWalkedAsTheLinkItself_AndNeverOpened()
    {
        using var h = new GoferHost(populate: r =>
        {
            File.CreateSymbolicLink(Path.Combine(r, "evil"), _secret);
            File.CreateSymbolicLink(Path.Combine(r, "evildir"), _outside);
        });
        var walked = new List<(ulong Fid, GoferStat Stat)>();
        Assert.Equal(Errno.None, h.C.Walk(h.RootFid, new[] { "evil" }, walked));
        var (fid, st) = walked[0];
        Assert.Equal(S_IFLNK, st.Mode & S_IFMT);
        Assert.Equal(HostFs.Lstat(h.P("evil")).Ino, st.Ino);
        Assert.NotEqual(HostFs.Lstat(_secret).Ino, st.Ino);
        Assert.Equal(Errno.ELOOP, h.C.Open(fid, O_RDONLY, out int fd));
        Assert.Equal(-1, fd);
        Assert.Equal(Errno.ELOOP, h.C.Open(fid, O_RDWR, out _));
        Assert.Equal(Errno.None, h.C.ReadLink(fid, out string target));
        Assert.Equal(_secret, target); // just the string: resolving it is the Sentry's business, inside its own root

        // changes through the link's fid change the link, never the target
        Assert.Equal(Errno.None, h.C.SetAttr(fid, SetAttrMask.Uid, 0, 4242, 0, 0, 0, 0, out _));
        Assert.Equal(0u, HostFs.Lstat(_secret).Uid);
        Assert.Equal(Errno.EINVAL, h.C.SetAttr(fid, SetAttrMask.Size, 0, 0, 0, 0, 0, 0, out _));
        Assert.Equal("the host's secret", File.ReadAllText(_secret));
        Assert.Equal(Errno.ENODATA, h.C.GetXattr(fid, "user.x", 10, out _));
        Assert.Equal(Errno.None, h.C.Link(h.RootFid, "evil2", fid, out _));
        Assert.Equal(S_IFLNK, HostFs.Lstat(h.P("evil2")).Mode & S_IFMT); // a link to the symlink, not to the secret
        Assert.Equal(1ul, HostFs.Lstat(_secret).Nlink);

        // walking through a symlink never follows it
        walked.Clear();
        Assert.Equal(Errno.ENOTDIR, h.C.Walk(h.RootFid, new[] { "evildir", "secret" }, walked));
        Assert.Single(walked);
        Assert.Equal(S_IFLNK, walked[0].Stat.Mode & S_IFMT);
        Assert.Equal(Errno.ENOTDIR, h.C.ReadDir(walked[0].Fid, 0, new List<GoferDirent>()));
        Assert.Equal(Errno.ENOTDIR, h.C.Create(walked[0].Fid, "planted", O_WRONLY, 0x1A4, 0, 0, out _, out _, out _));
        Assert.False(File.Exists(Path.Combine(_outside, "planted")));
    }

    [Fact]
    public void DotDot_IsRefused_ByTheClientAndByTheServer()
    {
        using var h = new GoferHost(populate: r => Directory.CreateDirectory(Path.Combine(r, "sub")));
        var walked = new List<(ulong Fid, GoferStat Stat)>();
        Assert.Equal(Errno.EINVAL, h.C.Walk(h.RootFid, new[] { ".." }, walked));
        Assert.Empty(walked);
        Assert.Equal(Errno.EINVAL, h.C.Walk(h.RootFid, new[] { "sub", "..", ".." }, walked));
        Assert.Single(walked); // "sub", then the client stops at ".."
        Assert.Equal(Errno.EINVAL, h.C.Unlink(h.RootFid, "..", true));

        // the same requests sent raw, past the client's checks
        using var raw = new GoferHost(raw: true, root: h.Root);
        int before = raw.Server.LiveFids;
        foreach (var req in new Request[]
        {
            new WalkRequest(raw.RootFid, new[] { ".." }),
            new WalkRequest(raw.RootFid, new[] { "sub", "..", "..", Path.GetFileName(_outside), "secret" }),
            new WalkRequest(raw.RootFid, new[] { "." }),
            new UnlinkRequest(raw.RootFid, "..", true),
            new CreateRequest(raw.RootFid, "..", O_WRONLY, 0x1A4, 0, 0),
            new RenameRequest(raw.RootFid, "sub", raw.RootFid, "..", 0),
            new SymlinkRequest(raw.RootFid, "..", "x", 0, 0),
        })
        {
            var rep = raw.RawCall(req);
            Assert.Equal(Errno.EINVAL, Assert.IsType<ErrorReply>(rep).Err);
        }
        Assert.Equal(before, raw.Server.LiveFids);
        Assert.True(Directory.Exists(h.P("sub")));
        Assert.True(File.Exists(_secret));
    }

    [Fact]
    public void NamesWithSlash_AreRefused_EvenWhenThePathExists()
    {
        using var h = new GoferHost(raw: true, populate: r => Directory.CreateDirectory(Path.Combine(r, "sub/inner")));
        foreach (var name in new[] { "sub/inner", "/", _secret, "sub/../sub", "a\0b" })
        {
            var rep = h.RawCall(new WalkRequest(h.RootFid, new[] { name }));
            Assert.Equal(Errno.EINVAL, Assert.IsType<ErrorReply>(rep).Err);
        }
        var ok = Assert.IsType<WalkReply>(h.RawCall(new WalkRequest(h.RootFid, new[] { "sub", "inner" })));
        Assert.Equal(Errno.None, ok.Err);
        Assert.Equal(2, ok.Walked.Count);

        using var c = new GoferHost(root: h.Root);
        var walked = new List<(ulong Fid, GoferStat Stat)>();
        Assert.Equal(Errno.EINVAL, c.C.Walk(c.RootFid, new[] { "sub/inner" }, walked));
        Assert.Empty(walked);
    }

    /// <summary>
    /// A hard link inside the root to a file that also has a name outside is the same inode: it is part of the
    /// root because it is linked there (as any file of a container image is), so reading it is right. It does not
    /// give access to anything else outside, and a read-only gofer still refuses to write it.
    /// </summary>
    [Fact]
    public void HardLinkIntoTheRoot_IsReadableAsTheSameInode_AndNothingMore()
    {
        using var h = new GoferHost(writable: false, populate: r => HostFs.Link(_secret, Path.Combine(r, "hl")));
        var walked = new List<(ulong Fid, GoferStat Stat)>();
        Assert.Equal(Errno.None, h.C.Walk(h.RootFid, new[] { "hl" }, walked));
        Assert.Equal(HostFs.Lstat(_secret).Ino, walked[0].Stat.Ino);
        Assert.Equal(2ul, walked[0].Stat.Nlink);
        Assert.Equal(Errno.None, h.C.Open(walked[0].Fid, O_RDONLY, out int fd));
        Assert.Equal("the host's secret", Encoding.UTF8.GetString(HostFs.ReadFd(fd)));
        close(fd);
        Assert.Equal(Errno.EROFS, h.C.Open(walked[0].Fid, O_WRONLY, out _));
        Assert.Equal(Errno.ENOTDIR, h.C.Walk(walked[0].Fid, new[] { "x" }, walked));
        Assert.Equal("the host's secret", File.ReadAllText(_secret));
    }

    /// <summary>A directory swapped for a symlink after it was walked: the held fid still names the old directory.</summary>
    [Fact]
    public void DirectorySwappedForASymlink_AfterTheWalk_DoesNotLeadOutside()
    {
        using var h = new GoferHost(populate: r => Directory.CreateDirectory(Path.Combine(r, "dir")));
        ulong dir = h.Walk("dir");
        Directory.Move(h.P("dir"), h.P("dir.old"));
        File.CreateSymbolicLink(h.P("dir"), _outside);
        var walked = new List<(ulong Fid, GoferStat Stat)>();
        Assert.Equal(Errno.ENOENT, h.C.Walk(dir, new[] { "secret" }, walked));
        Assert.Equal(Errno.ENOTDIR, h.C.Walk(h.RootFid, new[] { "dir", "secret" }, walked));
        Assert.Equal(Errno.None, h.C.Create(dir, "made", O_WRONLY, 0x1A4, 0, 0, out _, out _, out int fd));
        close(fd);
        Assert.True(File.Exists(h.P("dir.old/made")));
        Assert.False(File.Exists(Path.Combine(_outside, "made")));
    }

    [Fact]
    public void Fifo_OpenIsEnxio_AtOnce()
    {
        using var h = new GoferHost(populate: r => HostFs.Mkfifo(Path.Combine(r, "fifo")));
        ulong fifo = h.Walk("fifo");
        foreach (int flags in new[] { O_RDONLY, O_WRONLY, O_RDWR })
        {
            // If the server opened the FIFO it would block (no writer / reader): bound the wait.
            Assert.Equal(Errno.ENXIO, Bounded(() => h.C.Open(fifo, flags, out _)));
        }
        Assert.Equal(Errno.EINVAL, Bounded(() => h.C.SetAttr(fifo, SetAttrMask.Size, 0, 0, 0, 0, 0, 0, out _)));
        Assert.Equal(Errno.ENODATA, h.C.GetXattr(fifo, "user.x", 10, out _));
        Assert.Equal(Errno.None, h.C.Stat(fifo, out var st));
        Assert.Equal(0x1000u, st.Mode & S_IFMT);

        Assert.Equal(Errno.None, h.C.Mknod(h.RootFid, "sock", 0xC000 | 0x1B6, 0, 0, out ulong sock, out _));
        Assert.Equal(Errno.ENXIO, h.C.Open(sock, O_RDWR, out _));
    }

    /// <summary>Runs a call on its own thread and fails if it does not return within 5 s.</summary>
    static Errno Bounded(Func<Errno> call)
    {
        var result = Errno.None;
        var t = new Thread(() => result = call()) { IsBackground = true };
        t.Start();
        Assert.True(t.Join(5000), "the call blocked the gofer");
        return result;
    }

    [Fact]
    public void DeviceNodes_OpenIsEacces()
    {
        using var h = new GoferHost();
        int e = HostFs.Mknod(h.P("null"), S_IFCHR | 0x1B6, (1 << 8) | 3); // like /dev/null: makedev(1, 3)
        if (e != 0) return; // needs CAP_MKNOD (the tests run as root in CI)
        Assert.Equal(0, HostFs.Mknod(h.P("loop"), S_IFBLK | 0x1B0, (7 << 8) | 0));
        ulong dev = h.Walk("null");
        Assert.Equal(Errno.EACCES, h.C.Open(dev, O_RDONLY, out int fd));
        Assert.Equal(-1, fd);
        Assert.Equal(Errno.EACCES, h.C.Open(dev, O_WRONLY, out _));
        Assert.Equal(Errno.EACCES, h.C.Open(h.Walk("loop"), O_RDONLY, out _));
        Assert.Equal(Errno.EINVAL, h.C.SetAttr(dev, SetAttrMask.Size, 0, 0, 0, 0, 0, 0, out _));
        Assert.Equal(Errno.EPERM, h.C.SetXattr(dev, "user.x", "1"u8, 0));
        // and the gofer never makes one
        Assert.Equal(Errno.EPERM, h.C.Mknod(h.RootFid, "null2", S_IFCHR | 0x1B6, 0, 0, out _, out _));
        Assert.Equal(Errno.EPERM, h.C.Mknod(h.RootFid, "blk2", S_IFBLK | 0x1B6, 0, 0, out _, out _));
    }
}
