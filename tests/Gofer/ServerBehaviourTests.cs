using System.Text;
using AppKernel.Gofer;
using AppKernel.Gofer.Native;
using AppKernel.Gofer.Protocol;
using Xunit;
using static Tmds.Linux.LibC;

namespace AppKernel.Tests.Gofer;

/// <summary>The server's operations over a temp directory, through <see cref="GoferClient"/>, checked against the host.</summary>
public sealed class GoferServerBehaviourTests : IDisposable
{
    [Fact]
    public void Walk_for_an_open_brings_a_read_only_fd_of_a_regular_file_it_ends_at_and_of_nothing_else()
    {
        using var h = new GoferHost(populate: r =>
        {
            Directory.CreateDirectory(Path.Combine(r, "d"));
            File.WriteAllText(Path.Combine(r, "d", "f"), "contents");
            File.CreateSymbolicLink(Path.Combine(r, "d", "l"), "f");
            HostFs.Mkfifo(Path.Combine(r, "d", "fifo"));
        });
        var walked = new List<(ulong Fid, GoferStat Stat)>();
        Assert.Equal(Errno.None, h.C.Walk(h.RootFid, new[] { "d", "f" }, walked, openLast: true, false, out _, out int fd, out _));
        Assert.True(fd >= 0);
        try
        {
            var buf = new byte[32];
            int n;
            unsafe { fixed (byte* p = buf) n = (int)read(fd, p, buf.Length); }
            Assert.Equal("contents", Encoding.ASCII.GetString(buf, 0, n));
            // Read-only: a write fails.
            unsafe { fixed (byte* p = buf) Assert.True(write(fd, p, 1) < 0); }
        }
        finally { close(fd); }
        // Not asked, a directory, a symlink, a FIFO (opening it would block the gofer), a failed walk: no fd.
        foreach (var (names, ask) in new[] { (new[] { "d", "f" }, false), (new[] { "d" }, true), (new[] { "d", "l" }, true),
                     (new[] { "d", "fifo" }, true), (new[] { "d", "nope" }, true), (new[] { "d", "f", "x" }, true) })
        {
            walked.Clear();
            h.C.Walk(h.RootFid, names, walked, ask, false, out _, out fd, out _);
            Assert.Equal(-1, fd);
        }
    }

    [Fact]
    public void Walk_brings_the_target_of_a_symlink_it_ends_at_and_nothing_for_other_nodes()
    {
        using var h = new GoferHost(populate: r =>
        {
            Directory.CreateDirectory(Path.Combine(r, "d"));
            File.WriteAllText(Path.Combine(r, "d", "f"), "x");
            File.CreateSymbolicLink(Path.Combine(r, "d", "rel"), "f");
            File.CreateSymbolicLink(Path.Combine(r, "abs"), "/d/f");
        });
        var walked = new List<(ulong Fid, GoferStat Stat)>();
        // A symlink at the end of the walk.
        Assert.Equal(Errno.None, h.C.Walk(h.RootFid, new[] { "d", "rel" }, walked, false, false, out var link, out _, out _));
        Assert.Equal("f", link);
        Assert.True(walked[^1].Stat.IsSymlink);
        // A walk through a symlink stops there (ENOTDIR), with the symlink walked and its target.
        walked.Clear();
        Assert.Equal(Errno.ENOTDIR, h.C.Walk(h.RootFid, new[] { "abs", "x" }, walked, false, false, out link, out _, out _));
        Assert.Single(walked);
        Assert.Equal("/d/f", link);
        // A file or directory at the end, a miss, or nothing walked: no target.
        walked.Clear();
        Assert.Equal(Errno.None, h.C.Walk(h.RootFid, new[] { "d", "f" }, walked, false, false, out link, out _, out _));
        Assert.Null(link);
        walked.Clear();
        Assert.Equal(Errno.None, h.C.Walk(h.RootFid, new[] { "d" }, walked, false, false, out link, out _, out _));
        Assert.Null(link);
        walked.Clear();
        Assert.Equal(Errno.ENOENT, h.C.Walk(h.RootFid, new[] { "d", "nope" }, walked, false, false, out link, out _, out _));
        Assert.Null(link);
        // The reply's target is checked: one on a node that is no symlink is a protocol error.
        var bad = new WalkReply(new[] { (7UL, default(GoferStat)) }) { LastLink = "/etc" };
        var buf = new byte[Wire.MaxMessage];
        int len = Codec.EncodeReply(bad, 1, buf);
        Assert.NotEqual(Errno.None, Codec.DecodeReply(buf.AsSpan(0, len), out _, out _));
    }

    [Fact]
    public void Walk_asked_brings_the_listing_of_the_directory_its_first_name_is_missing_from()
    {
        using var h = new GoferHost(populate: r =>
        {
            Directory.CreateDirectory(Path.Combine(r, "d", "sub"));
            File.WriteAllText(Path.Combine(r, "d", "f"), "x");
            File.CreateSymbolicLink(Path.Combine(r, "d", "l"), "f");
            Directory.CreateDirectory(Path.Combine(r, "big"));
            for (int i = 0; i < 3000; i++) File.WriteAllText(Path.Combine(r, "big", $"a-name-long-enough-to-take-some-room-{i:D5}"), "");
        });
        var walked = new List<(ulong Fid, GoferStat Stat)>();
        ulong d = h.Walk("d");
        Assert.Equal(Errno.ENOENT, h.C.Walk(d, new[] { "nope" }, walked, false, listOnMiss: true, out _, out _, out var listing));
        Assert.NotNull(listing);
        Assert.Equal(["f", "l", "sub"], listing!.Select(e => e.Name).Order(StringComparer.Ordinal));
        Assert.Equal(ReadDirReply.DT_DIR, listing!.Single(e => e.Name == "sub").Type);
        // Not asked, a miss further down the path, a whole walk, a walk through a symlink: no listing.
        Assert.Equal(Errno.ENOENT, h.C.Walk(d, new[] { "nope" }, walked, false, listOnMiss: false, out _, out _, out listing));
        Assert.Null(listing);
        walked.Clear();
        Assert.Equal(Errno.ENOENT, h.C.Walk(h.RootFid, new[] { "d", "nope" }, walked, false, listOnMiss: true, out _, out _, out listing));
        Assert.Null(listing);
        walked.Clear();
        Assert.Equal(Errno.None, h.C.Walk(d, new[] { "f" }, walked, false, listOnMiss: true, out _, out _, out listing));
        Assert.Null(listing);
        walked.Clear();
        Assert.Equal(Errno.ENOTDIR, h.C.Walk(d, new[] { "l", "x" }, walked, false, listOnMiss: true, out _, out _, out listing));
        Assert.Null(listing);
        // A listing that would not fit in half a reply is not sent.
        walked.Clear();
        Assert.Equal(Errno.ENOENT, h.C.Walk(h.Walk("big"), new[] { "nope" }, walked, false, listOnMiss: true, out _, out _, out listing));
        Assert.Null(listing);
        // A listing where something was walked is malformed.
        var bad = new WalkReply(new[] { (7UL, default(GoferStat)) }) { Err = Errno.ENOENT, Listing = [new GoferDirent("x", 1, 8, 0)] };
        var buf = new byte[Wire.MaxMessage];
        int len = Codec.EncodeReply(bad, 1, buf);
        Assert.NotEqual(Errno.None, Codec.DecodeReply(buf.AsSpan(0, len), out _, out _));
    }

    const int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_TRUNC = 0x200, O_APPEND = 0x400;
    const uint S_IFMT = 0xF000, S_IFREG = 0x8000, S_IFDIR = 0x4000, S_IFLNK = 0xA000, S_IFIFO = 0x1000, S_IFSOCK = 0xC000, S_IFCHR = 0x2000;

    readonly GoferHost _h = new(writable: true, populate: root =>
    {
        Directory.CreateDirectory(Path.Combine(root, "a/b/c"));
        File.WriteAllText(Path.Combine(root, "a/b/c/file.txt"), "hello gofer");
        File.WriteAllText(Path.Combine(root, "top.txt"), "top");
    });

    public void Dispose() => _h.Dispose();

    GoferClient C => _h.C;

    [Fact]
    public void Walk_GivesOneFidPerComponent_WithTheHostsStat()
    {
        var walked = new List<(ulong Fid, GoferStat Stat)>();
        Assert.Equal(Errno.None, C.Walk(_h.RootFid, new[] { "a", "b", "c", "file.txt" }, walked));
        Assert.Equal(4, walked.Count);
        Assert.Equal(4, walked.Select(w => w.Fid).Distinct().Count());
        Assert.Equal(HostFs.Lstat(_h.P("a/b")).Ino, walked[1].Stat.Ino);
        var host = HostFs.Lstat(_h.P("a/b/c/file.txt"));
        var st = walked[3].Stat;
        Assert.Equal(host.Ino, st.Ino);
        Assert.Equal(host.Dev, st.Dev);
        Assert.Equal(host.Mode, st.Mode);
        Assert.Equal(11, st.Size);
        Assert.Equal(host.MtimeNsec, st.MtimeNsec);
        Assert.Equal(Errno.None, C.Stat(walked[3].Fid, out var again));
        Assert.Equal(st, again);
    }

    [Fact]
    public void Walk_StopsAtTheFirstFailure_AndReturnsWhatItWalked()
    {
        var walked = new List<(ulong Fid, GoferStat Stat)>();
        Assert.Equal(Errno.ENOENT, C.Walk(_h.RootFid, new[] { "a", "b", "missing", "x" }, walked));
        Assert.Equal(2, walked.Count);
        Assert.Equal(HostFs.Lstat(_h.P("a/b")).Ino, walked[1].Stat.Ino);

        walked.Clear();
        Assert.Equal(Errno.ENOTDIR, C.Walk(_h.RootFid, new[] { "top.txt", "x" }, walked));
        Assert.Single(walked);
    }

    [Fact]
    public void Walk_OfMoreThan64Names_IsSentInPieces()
    {
        string deep = string.Join('/', Enumerable.Repeat("d", 70));
        Directory.CreateDirectory(_h.P(deep));
        var walked = new List<(ulong Fid, GoferStat Stat)>();
        Assert.Equal(Errno.None, C.Walk(_h.RootFid, Enumerable.Repeat("d", 70).ToArray(), walked));
        Assert.Equal(70, walked.Count);
        Assert.Equal(HostFs.Lstat(_h.P(deep)).Ino, walked[^1].Stat.Ino);
    }

    [Fact]
    public void Open_DonatesAFdOfTheFile()
    {
        ulong f = _h.Walk("a/b/c/file.txt");
        Assert.Equal(Errno.None, C.Open(f, O_RDONLY, out int fd));
        try
        {
            Assert.Equal("hello gofer", Encoding.UTF8.GetString(HostFs.ReadFd(fd)));
            Assert.Equal(1, fcntl(fd, F_GETFD) & 1); // close-on-exec in the receiver
        }
        finally { close(fd); }

        Assert.Equal(Errno.None, C.Open(f, O_WRONLY | O_TRUNC, out fd));
        HostFs.WriteFd(fd, "new"u8.ToArray());
        close(fd);
        Assert.Equal("new", File.ReadAllText(_h.P("a/b/c/file.txt")));

        Assert.Equal(Errno.None, C.Open(f, O_WRONLY | O_APPEND, out fd));
        HostFs.WriteFd(fd, "+more"u8.ToArray());
        close(fd);
        Assert.Equal("new+more", File.ReadAllText(_h.P("a/b/c/file.txt")));
    }

    [Fact]
    public void Open_ChecksFlagsAndType()
    {
        ulong dir = _h.Walk("a");
        Assert.Equal(Errno.EISDIR, C.Open(dir, O_WRONLY, out _));
        Assert.Equal(Errno.EISDIR, C.Open(dir, O_RDONLY | O_TRUNC, out _));
        Assert.Equal(Errno.None, C.Open(dir, O_RDONLY, out int dfd));
        close(dfd);
        ulong f = _h.Walk("top.txt");
        Assert.Equal(Errno.EINVAL, C.Open(f, O_RDONLY | 0x40 /* O_CREAT */, out _));
        Assert.Equal(Errno.EINVAL, C.Open(f, 3, out _));
        Assert.Equal(Errno.EBADF, C.Open(123456789, O_RDONLY, out _));
    }

    [Fact]
    public void Create_MakesTheFileWithExactModeAndOwner_AndDonatesAWritableFd()
    {
        ulong dir = _h.Walk("a");
        Assert.Equal(Errno.None, C.Create(dir, "new.txt", O_RDWR, 0x1A0 /* 0640 */, 1234, 5678, out ulong fid, out var st, out int fd));
        try { HostFs.WriteFd(fd, "written"u8.ToArray()); }
        finally { close(fd); }
        var host = HostFs.Lstat(_h.P("a/new.txt"));
        Assert.Equal(S_IFREG | 0x1A0, host.Mode);
        Assert.Equal(1234u, host.Uid);
        Assert.Equal(5678u, host.Gid);
        Assert.Equal(host.Ino, st.Ino);
        Assert.Equal(S_IFREG | 0x1A0, st.Mode);
        Assert.Equal("written", File.ReadAllText(_h.P("a/new.txt")));
        Assert.Equal(Errno.None, C.Stat(fid, out var st2));
        Assert.Equal(7, st2.Size);

        // set-id bits survive the chown that would clear them
        Assert.Equal(Errno.None, C.Create(dir, "suid", O_RDONLY, 0xDED /* 06755 */, 1, 1, out _, out st, out fd));
        close(fd);
        Assert.Equal(S_IFREG | 0xDED, HostFs.Lstat(_h.P("a/suid")).Mode);

        Assert.Equal(Errno.EEXIST, C.Create(dir, "new.txt", O_RDWR, 0x1A4, 0, 0, out _, out _, out _));
        Assert.Equal(Errno.EINVAL, C.Create(dir, "..", O_RDWR, 0x1A4, 0, 0, out _, out _, out _));
        Assert.Equal(Errno.ENAMETOOLONG, C.Create(dir, new string('x', 256), O_RDWR, 0x1A4, 0, 0, out _, out _, out _));
    }

    [Fact]
    public void Mkdir_Mknod_Symlink_MakeNodesOwnedAsAsked()
    {
        ulong root = _h.RootFid;
        Assert.Equal(Errno.None, C.Mkdir(root, "dir", 0x1ED /* 0755 */ | 0x200 /* sticky */, 10, 20, out ulong d, out var st));
        var host = HostFs.Lstat(_h.P("dir"));
        Assert.Equal(S_IFDIR | 0x3ED, host.Mode);
        Assert.Equal((10u, 20u), (host.Uid, host.Gid));
        Assert.Equal(host.Ino, st.Ino);

        Assert.Equal(Errno.None, C.Mknod(d, "fifo", S_IFIFO | 0x180, 11, 21, out _, out st));
        host = HostFs.Lstat(_h.P("dir/fifo"));
        Assert.Equal(S_IFIFO | 0x180, host.Mode);
        Assert.Equal((11u, 21u), (host.Uid, host.Gid));
        Assert.Equal(Errno.None, C.Mknod(d, "sock", S_IFSOCK | 0x1FF, 0, 0, out _, out st));
        Assert.Equal(S_IFSOCK | 0x1FF, HostFs.Lstat(_h.P("dir/sock")).Mode);
        Assert.Equal(Errno.None, C.Mknod(d, "reg", 0x1A4, 0, 0, out _, out st));
        Assert.Equal(S_IFREG | 0x1A4, HostFs.Lstat(_h.P("dir/reg")).Mode);
        Assert.Equal(Errno.EPERM, C.Mknod(d, "null", S_IFCHR | 0x1B6, 0, 0, out _, out _));
        Assert.False(File.Exists(_h.P("dir/null")));

        Assert.Equal(Errno.None, C.Symlink(d, "link", "../top.txt", 12, 22, out ulong l, out st));
        host = HostFs.Lstat(_h.P("dir/link"));
        Assert.Equal(S_IFLNK, host.Mode & S_IFMT);
        Assert.Equal((12u, 22u), (host.Uid, host.Gid));
        Assert.Equal("../top.txt", new FileInfo(_h.P("dir/link")).LinkTarget);
        Assert.Equal(0u, HostFs.Lstat(_h.P("top.txt")).Uid); // the link itself was chowned, not its target
        Assert.Equal(Errno.None, C.ReadLink(l, out string target));
        Assert.Equal("../top.txt", target);
        Assert.Equal(Errno.EINVAL, C.ReadLink(d, out _));

        Assert.Equal(Errno.EEXIST, C.Mkdir(root, "dir", 0x1ED, 0, 0, out _, out _));
    }

    [Fact]
    public void Link_MakesAHardLinkToTheHeldInode()
    {
        ulong f = _h.Walk("top.txt");
        ulong dir = _h.Walk("a");
        Assert.Equal(Errno.None, C.Link(dir, "hard", f, out var st));
        Assert.Equal(2ul, st.Nlink);
        Assert.Equal(HostFs.Lstat(_h.P("top.txt")).Ino, HostFs.Lstat(_h.P("a/hard")).Ino);
        // the fid names the inode, not the path: after a rename the link still goes to the same file
        File.Move(_h.P("top.txt"), _h.P("moved.txt"));
        Assert.Equal(Errno.None, C.Link(_h.RootFid, "hard2", f, out st));
        Assert.Equal(3ul, st.Nlink);
        Assert.Equal(Errno.EEXIST, C.Link(dir, "hard", f, out _));
        Assert.Equal(Errno.EPERM, C.Link(_h.RootFid, "dirlink", dir, out _));
    }

    [Fact]
    public void Unlink_RemovesFilesAndDirectories()
    {
        ulong a = _h.Walk("a");
        Assert.Equal(Errno.ENOTEMPTY, C.Unlink(a, "b", removeDir: true));
        Assert.Equal(Errno.EISDIR, C.Unlink(a, "b", removeDir: false));
        ulong c = _h.Walk("a/b/c");
        Assert.Equal(Errno.ENOTDIR, C.Unlink(c, "file.txt", removeDir: true));
        Assert.Equal(Errno.None, C.Unlink(c, "file.txt", removeDir: false));
        Assert.False(File.Exists(_h.P("a/b/c/file.txt")));
        ulong b = _h.Walk("a/b");
        Assert.Equal(Errno.None, C.Unlink(b, "c", removeDir: true));
        Assert.False(Directory.Exists(_h.P("a/b/c")));
        Assert.Equal(Errno.ENOENT, C.Unlink(b, "c", removeDir: true));
    }

    [Fact]
    public void Rename_Plain_NoReplace_Exchange()
    {
        File.WriteAllText(_h.P("one"), "1");
        File.WriteAllText(_h.P("two"), "2");
        ulong root = _h.RootFid;
        ulong a = _h.Walk("a");
        Assert.Equal(Errno.EEXIST, C.Rename(root, "one", root, "two", 1 /* NOREPLACE */));
        Assert.Equal("2", File.ReadAllText(_h.P("two")));
        Assert.Equal(Errno.None, C.Rename(root, "one", root, "two", 2 /* EXCHANGE */));
        Assert.Equal("1", File.ReadAllText(_h.P("two")));
        Assert.Equal("2", File.ReadAllText(_h.P("one")));
        Assert.Equal(Errno.None, C.Rename(root, "one", a, "moved", 0));
        Assert.False(File.Exists(_h.P("one")));
        Assert.Equal("2", File.ReadAllText(_h.P("a/moved")));
        Assert.Equal(Errno.None, C.Rename(root, "two", a, "moved", 0)); // replaces
        Assert.Equal("1", File.ReadAllText(_h.P("a/moved")));
        Assert.Equal(Errno.None, C.Rename(a, "moved", root, "new", 1));
        Assert.Equal(Errno.ENOENT, C.Rename(root, "nope", root, "x", 2));
        Assert.Equal(Errno.EINVAL, C.Rename(root, "new", root, "x", 3));
        Assert.Equal(Errno.EINVAL, C.Rename(root, "new", root, "x", 4));
        Assert.True(File.Exists(_h.P("new")));
    }

    [Fact]
    public void ReadDir_Of2000Entries_ComesInSeveralBatches_EachNameOnce()
    {
        Directory.CreateDirectory(_h.P("big"));
        var expected = new HashSet<string>();
        for (int i = 0; i < 2000; i++)
        {
            string name = $"entry-{i:D4}-" + new string('z', 80);
            File.WriteAllText(Path.Combine(_h.P("big"), name), "");
            expected.Add(name);
        }
        ulong dir = _h.Walk("big");
        var all = new List<GoferDirent>();
        ulong cookie = 0;
        int batches = 0;
        while (true)
        {
            var batch = new List<GoferDirent>();
            Assert.Equal(Errno.None, C.ReadDir(dir, cookie, batch, out bool end));
            Assert.True(batch.Count > 0 || end, "an empty batch is the end");
            batches++;
            all.AddRange(batch);
            if (end) break;
            cookie = batch[^1].NextCookie;
            Assert.True(batches < 100);
        }
        // The last batch said so itself: asking again from its last cookie finds nothing.
        var after = new List<GoferDirent>();
        Assert.Equal(Errno.None, C.ReadDir(dir, all[^1].NextCookie, after, out bool stillEnd));
        Assert.Empty(after);
        Assert.True(stillEnd);
        Assert.True(batches >= 3, $"{batches} batches");
        Assert.Equal(2000, all.Count);
        Assert.True(expected.SetEquals(all.Select(e => e.Name)));
        Assert.DoesNotContain(all, e => e.Name is "." or "..");
        var one = all.First(e => e.Name.StartsWith("entry-0042"));
        Assert.Equal(HostFs.Lstat(Path.Combine(_h.P("big"), one.Name)).Ino, one.Ino);
        Assert.Equal(8, one.Type); // DT_REG

        var small = new List<GoferDirent>();
        Assert.Equal(Errno.None, C.ReadDir(_h.RootFid, 0, small, out bool smallEnd));
        Assert.True(smallEnd, "a directory that fits in one reply is listed in one request");
        Assert.Equal(new[] { "a", "big", "top.txt" }, small.Select(e => e.Name).Order().ToArray());
        Assert.Equal(4, small.First(e => e.Name == "a").Type); // DT_DIR
        Assert.Equal(Errno.ENOTDIR, C.ReadDir(_h.Walk("top.txt"), 0, small));
    }

    [Fact]
    public void ReadDir_WalkingDirs_GivesEachSubdirectoryAFidAsWalkWould()
    {
        Directory.CreateDirectory(_h.P("tree/d1/inner"));
        Directory.CreateDirectory(_h.P("tree/d2"));
        File.WriteAllText(_h.P("tree/f"), "x");
        File.CreateSymbolicLink(_h.P("tree/link"), "d1");
        ulong dir = _h.Walk("tree");
        var entries = new List<GoferDirent>();
        var walked = new List<(string Name, ulong Fid, GoferStat Stat, IReadOnlyList<GoferDirent>? Listing)>();
        Assert.Equal(Errno.None, C.ReadDir(dir, 0, entries, out bool end, walked));
        Assert.True(end);
        Assert.Equal(new[] { "d1", "d2", "f", "link" }, entries.Select(e => e.Name).Order().ToArray());
        // Directories only: not the file, and not the symlink to one (a walk never follows it).
        Assert.Equal(new[] { "d1", "d2" }, walked.Select(w => w.Name).Order().ToArray());
        var d1 = walked.Single(w => w.Name == "d1");
        Assert.Equal(HostFs.Lstat(_h.P("tree/d1")).Ino, d1.Stat.Ino);
        Assert.All(walked, w => Assert.Null(w.Listing)); // not asked for
        // The fid is a walked node's: it lists and walks on like one.
        var inner = new List<GoferDirent>();
        Assert.Equal(Errno.None, C.ReadDir(d1.Fid, 0, inner));
        Assert.Equal("inner", Assert.Single(inner).Name);
        var viaWalk = new List<(ulong Fid, GoferStat Stat)>();
        Assert.Equal(Errno.None, C.Walk(d1.Fid, new[] { "inner" }, viaWalk));

        // Without asking, nothing is walked.
        var plain = new List<GoferDirent>();
        Assert.Equal(Errno.None, C.ReadDir(dir, 0, plain, out _));
        Assert.Equal(4, plain.Count);
    }

    [Fact]
    public void ReadDir_ListingDirs_SendsEachWalkedSubdirectorysWholeListing_WhenItFits()
    {
        Directory.CreateDirectory(_h.P("lt/leaf"));
        Directory.CreateDirectory(_h.P("lt/empty"));
        Directory.CreateDirectory(_h.P("lt/mid/sub"));
        File.WriteAllText(_h.P("lt/leaf/x"), "x");
        File.CreateSymbolicLink(_h.P("lt/leaf/l"), "x");
        File.WriteAllText(_h.P("lt/mid/y"), "y");
        // Too large for one message: walked, but without a listing (the client lists it in batches itself).
        Directory.CreateDirectory(_h.P("lt/huge"));
        for (int i = 0; i < 600; i++) File.WriteAllText(_h.P($"lt/huge/{new string('h', 200)}{i}"), "");
        var entries = new List<GoferDirent>();
        var walked = new List<(string Name, ulong Fid, GoferStat Stat, IReadOnlyList<GoferDirent>? Listing)>();
        Assert.Equal(Errno.None, C.ReadDir(_h.Walk("lt"), 0, entries, out _, walked, listDirs: true));
        Assert.Equal(new[] { "empty", "huge", "leaf", "mid" }, walked.Select(w => w.Name).Order().ToArray());
        var byName = walked.ToDictionary(w => w.Name);
        Assert.Empty(byName["empty"].Listing!);
        Assert.Null(byName["huge"].Listing);
        // Exactly what a ReadDir of the walked fid gives, types and inode numbers included.
        foreach (var name in new[] { "leaf", "mid" })
        {
            var listed = new List<GoferDirent>();
            Assert.Equal(Errno.None, C.ReadDir(byName[name].Fid, 0, listed));
            Assert.Equal(listed.Select(e => (e.Name, e.Ino, e.Type)).Order(), byName[name].Listing!.Select(e => (e.Name, e.Ino, e.Type)).Order());
        }
        Assert.Equal(new[] { "l", "x" }, byName["leaf"].Listing!.Select(e => e.Name).Order().ToArray());
        Assert.Equal(4, byName["mid"].Listing!.Single(e => e.Name == "sub").Type); // DT_DIR
    }

    [Fact]
    public void ReadDir_WalkingDirs_SkipsABatchOfTooManyDirectories()
    {
        for (int i = 0; i <= AppKernel.Gofer.Protocol.ReadDirReply.MaxWalkedDirs; i++) Directory.CreateDirectory(_h.P($"many/d{i}"));
        var entries = new List<GoferDirent>();
        var walked = new List<(string Name, ulong Fid, GoferStat Stat, IReadOnlyList<GoferDirent>? Listing)>();
        Assert.Equal(Errno.None, C.ReadDir(_h.Walk("many"), 0, entries, out _, walked, listDirs: true));
        Assert.Equal(AppKernel.Gofer.Protocol.ReadDirReply.MaxWalkedDirs + 1, entries.Count);
        Assert.Empty(walked);
    }

    [Fact]
    public void SetAttr_ChangesSizeModeOwnerTimes()
    {
        ulong f = _h.Walk("top.txt");
        Assert.Equal(Errno.None, C.SetAttr(f, SetAttrMask.Size, 0, 0, 0, 10, 0, 0, out var st));
        Assert.Equal(10, st.Size);
        Assert.Equal(10, new FileInfo(_h.P("top.txt")).Length);

        Assert.Equal(Errno.None, C.SetAttr(f, SetAttrMask.Mode | SetAttrMask.Uid | SetAttrMask.Gid, 0x5C0 /* 02700 */, 77, 88, 0, 0, 0, out st));
        var host = HostFs.Lstat(_h.P("top.txt"));
        Assert.Equal(S_IFREG | 0x5C0, host.Mode);
        Assert.Equal((77u, 88u), (host.Uid, host.Gid));
        Assert.Equal(host.Mode, st.Mode);

        Assert.Equal(Errno.None, C.SetAttr(f, SetAttrMask.Uid, 0, 99, 0, 0, 0, 0, out st));
        host = HostFs.Lstat(_h.P("top.txt"));
        Assert.Equal((99u, 88u), (host.Uid, host.Gid)); // gid untouched

        long at = 1_000_000_000L * 1_500_000_000 + 123_456_789, mt = 1_000_000_000L * 1_400_000_000 + 5;
        Assert.Equal(Errno.None, C.SetAttr(f, SetAttrMask.Atime | SetAttrMask.Mtime, 0, 0, 0, 0, at, mt, out st));
        host = HostFs.Lstat(_h.P("top.txt"));
        Assert.Equal((1_500_000_000L, 123_456_789L), (host.Atime, host.AtimeNsec));
        Assert.Equal((1_400_000_000L, 5L), (host.Mtime, host.MtimeNsec));
        Assert.Equal((st.MtimeSec, st.MtimeNsec), (host.Mtime, host.MtimeNsec));

        Assert.Equal(Errno.None, C.SetAttr(f, SetAttrMask.MtimeNow | SetAttrMask.Mtime, 0, 0, 0, 0, 0, 5, out st));
        host = HostFs.Lstat(_h.P("top.txt"));
        Assert.True(Math.Abs(host.Mtime - DateTimeOffset.UtcNow.ToUnixTimeSeconds()) < 60);
        Assert.Equal(1_500_000_000L, host.Atime); // atime left alone

        ulong dir = _h.Walk("a");
        Assert.Equal(Errno.EISDIR, C.SetAttr(dir, SetAttrMask.Size, 0, 0, 0, 0, 0, 0, out _));
        Assert.Equal(Errno.EINVAL, C.SetAttr(f, SetAttrMask.Size, 0, 0, 0, -1, 0, 0, out _));
        Assert.Equal(Errno.EINVAL, C.SetAttr(f, (SetAttrMask)256, 0, 0, 0, 0, 0, 0, out _));

        // a symlink's own times change; its mode cannot (lchmod)
        File.CreateSymbolicLink(_h.P("sl"), "top.txt");
        ulong sl = _h.Walk("sl");
        Assert.Equal(Errno.None, C.SetAttr(sl, SetAttrMask.Mtime, 0, 0, 0, 0, 0, 7_000_000_000, out st));
        Assert.Equal(7, HostFs.Lstat(_h.P("sl")).Mtime);
        Assert.NotEqual(7, HostFs.Lstat(_h.P("top.txt")).Mtime);
        Assert.Equal(Errno.EOPNOTSUPP, C.SetAttr(sl, SetAttrMask.Mode, 0x1FF, 0, 0, 0, 0, 0, out _));
    }

    [Fact]
    public void StatFs_IsTheHostsStatfs()
    {
        Assert.Equal(Errno.None, C.StatFs(_h.RootFid, out var s));
        var host = HostFs.StatFs(_h.Root);
        Assert.Equal(host.Type, s.Type);
        Assert.Equal(host.Bsize, s.Bsize);
        Assert.Equal(host.Blocks, s.Blocks);
        Assert.Equal(host.NameLen, s.NameLen);
        Assert.Equal(host.Frsize, s.Frsize);
        Assert.Equal(255, s.NameLen);
    }

    [Fact]
    public void Xattrs_SetGetListRemove()
    {
        ulong f = _h.Walk("top.txt");
        var e = C.SetXattr(f, "user.gofer", "value!"u8, 0);
        if (e == Errno.EOPNOTSUPP) return; // the temp file system has no user xattrs
        Assert.Equal(Errno.None, e);
        Assert.Equal(Errno.None, C.GetXattr(f, "user.gofer", 100, out var v));
        Assert.Equal("value!", Encoding.UTF8.GetString(v));
        Assert.Equal(Errno.None, C.GetXattr(f, "user.gofer", 0, out v, out int size));
        Assert.Empty(v);
        Assert.Equal(6, size);
        Assert.Equal(Errno.ERANGE, C.GetXattr(f, "user.gofer", 3, out _));
        Assert.Equal(Errno.ENODATA, C.GetXattr(f, "user.none", 100, out _));

        Assert.Equal(Errno.EEXIST, C.SetXattr(f, "user.gofer", "x"u8, 1 /* XATTR_CREATE */));
        Assert.Equal(Errno.ENODATA, C.SetXattr(f, "user.other", "x"u8, 2 /* XATTR_REPLACE */));
        Assert.Equal(Errno.None, C.SetXattr(f, "user.other", ""u8, 1));
        Assert.Equal(Errno.None, C.GetXattr(f, "user.other", 10, out v));
        Assert.Empty(v);

        Assert.Equal(Errno.None, C.ListXattr(f, 1000, out var names, out size));
        Assert.Contains("user.gofer", names);
        Assert.Contains("user.other", names);
        Assert.Equal(names.Sum(n => Encoding.UTF8.GetByteCount(n) + 1), size);
        Assert.Equal(Errno.None, C.ListXattr(f, 0, out var none, out int probed));
        Assert.Empty(none);
        Assert.Equal(size, probed);
        Assert.Equal(Errno.ERANGE, C.ListXattr(f, 5, out _));

        Assert.Equal(Errno.None, C.RemoveXattr(f, "user.gofer"));
        Assert.Equal(Errno.ENODATA, C.GetXattr(f, "user.gofer", 100, out _));
        Assert.Equal(Errno.ENODATA, C.RemoveXattr(f, "user.gofer"));
        Assert.Equal(Errno.ERANGE, C.GetXattr(f, "", 100, out _));
        Assert.Equal(Errno.E2BIG, C.SetXattr(f, "user.big", new byte[70000], 0));

        // directories have them too; a FIFO is never opened for them
        ulong dir = _h.Walk("a");
        Assert.Equal(Errno.None, C.SetXattr(dir, "user.d", "1"u8, 0));
        Assert.Equal(Errno.None, C.GetXattr(dir, "user.d", 10, out v));
        HostFs.Mkfifo(_h.P("fifo"));
        ulong fifo = _h.Walk("fifo");
        Assert.Equal(Errno.EPERM, C.SetXattr(fifo, "user.f", "1"u8, 0));
        Assert.Equal(Errno.ENODATA, C.GetXattr(fifo, "user.f", 10, out _));
        Assert.Equal(Errno.None, C.ListXattr(fifo, 100, out names));
        Assert.Empty(names);
    }

    [Fact]
    public void FlushClunks_ReleasesQueuedFidsWithoutAnotherRequest()
    {
        int before = _h.Server.LiveFids;
        var walked = new List<(ulong Fid, GoferStat Stat)>();
        for (int i = 0; i < 10_000; i++) Assert.Equal(Errno.None, C.Walk(_h.RootFid, new[] { "a" }, walked));
        Assert.Equal(before + 10_000, _h.Server.LiveFids);
        foreach (var w in walked) C.Clunk(w.Fid); // more than one clunk message holds
        C.FlushClunks();
        Assert.Equal(before, _h.Server.LiveFids);
        Assert.Equal(Errno.None, C.Stat(_h.RootFid, out _)); // the connection is still in step
    }

    [Fact]
    public void Clunk_ReleasesFids_AfterTheNextRequest()
    {
        int before = _h.Server.LiveFids;
        ulong f = _h.Walk("a/b/c/file.txt"); // 4 fids
        Assert.Equal(before + 4, _h.Server.LiveFids);
        C.Clunk(f);
        Assert.Equal(before + 4, _h.Server.LiveFids); // only queued
        Assert.Equal(Errno.EBADF, C.Stat(f, out _));  // sent ahead of this request
        Assert.Equal(before + 3, _h.Server.LiveFids);
        Assert.Equal(Errno.None, C.Stat(_h.RootFid, out _));
    }

    [Fact]
    public void FidCap_GivesEnfile()
    {
        using var h = new GoferHost(maxFids: 3, populate: r => Directory.CreateDirectory(Path.Combine(r, "x/y/z")));
        var walked = new List<(ulong Fid, GoferStat Stat)>();
        Assert.Equal(Errno.ENFILE, h.C.Walk(h.RootFid, new[] { "x", "y", "z" }, walked)); // root + 2
        Assert.Equal(2, walked.Count);
        Assert.Equal(Errno.ENFILE, h.C.Attach(out _, out _));
        Assert.Equal(Errno.ENFILE, h.C.Mkdir(h.RootFid, "n", 0x1ED, 0, 0, out _, out _));
        Assert.False(Directory.Exists(Path.Combine(h.Root, "n")));
        h.C.Clunk(walked[1].Fid);
        walked.Clear();
        Assert.Equal(Errno.None, h.C.Walk(h.RootFid, new[] { "x" }, walked));
    }

    [Fact]
    public void ReadOnly_EveryChangeIsErofs_ReadsWork()
    {
        using var h = new GoferHost(writable: false, populate: r =>
        {
            Directory.CreateDirectory(Path.Combine(r, "d"));
            File.WriteAllText(Path.Combine(r, "f"), "ro");
        });
        var c = h.C;
        ulong root = h.RootFid, d = h.Walk("d"), f = h.Walk("f");
        Assert.Equal(Errno.EROFS, c.Create(root, "n", O_RDWR, 0x1A4, 0, 0, out _, out _, out _));
        Assert.Equal(Errno.EROFS, c.Mkdir(root, "n", 0x1ED, 0, 0, out _, out _));
        Assert.Equal(Errno.EROFS, c.Mknod(root, "n", S_IFIFO | 0x1A4, 0, 0, out _, out _));
        Assert.Equal(Errno.EROFS, c.Symlink(root, "n", "f", 0, 0, out _, out _));
        Assert.Equal(Errno.EROFS, c.Link(root, "n", f, out _));
        Assert.Equal(Errno.EROFS, c.Unlink(root, "f", false));
        Assert.Equal(Errno.EROFS, c.Unlink(root, "d", true));
        Assert.Equal(Errno.EROFS, c.Rename(root, "f", d, "f", 0));
        Assert.Equal(Errno.EROFS, c.SetAttr(f, SetAttrMask.Size, 0, 0, 0, 0, 0, 0, out _));
        Assert.Equal(Errno.EROFS, c.SetAttr(f, SetAttrMask.MtimeNow, 0, 0, 0, 0, 0, 0, out _));
        Assert.Equal(Errno.EROFS, c.SetXattr(f, "user.x", "1"u8, 0));
        Assert.Equal(Errno.EROFS, c.RemoveXattr(f, "user.x"));
        Assert.Equal(Errno.EROFS, c.Open(f, O_WRONLY, out _));
        Assert.Equal(Errno.EROFS, c.Open(f, O_RDWR, out _));
        Assert.Equal(Errno.EROFS, c.Open(f, O_RDONLY | O_TRUNC, out _));
        Assert.Equal(Errno.EISDIR, c.Open(d, O_WRONLY, out _));
        Assert.Equal(Errno.None, c.Open(f, O_RDONLY, out int fd));
        Assert.Equal("ro", Encoding.UTF8.GetString(HostFs.ReadFd(fd)));
        close(fd);
        Assert.Equal(Errno.None, c.SetAttr(f, 0, 0, 0, 0, 0, 0, 0, out var st)); // no change asked: just the stat
        Assert.Equal(2, st.Size);
        Assert.True(File.Exists(Path.Combine(h.Root, "f")));
        Assert.Equal("ro", File.ReadAllText(Path.Combine(h.Root, "f")));
        Assert.Equal(new[] { "d", "f" }, Directory.GetFileSystemEntries(h.Root).Select(Path.GetFileName).Order().ToArray());
    }
}
