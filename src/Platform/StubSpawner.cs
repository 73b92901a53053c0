using System.Collections.Concurrent;
using AppKernel.Platform.Native;

namespace AppKernel.Platform;

/// <summary>
/// Spawns every stub from one thread that lives as long as runsc. A stub asks to be killed when its parent dies,
/// and Linux's "parent" there is the thread that spawned it: from a task's thread (which ends with its task, or
/// idles out) the stub could die under a running guest. Forked stubs are made children of this thread too
/// (CLONE_PARENT), so runsc is every stub's parent as well as its tracer, and reaps each one.
/// </summary>
static unsafe class StubSpawner
{
    sealed class Request
    {
        public required int ImageFd;
        public int Fd0 = -1, Fd1 = -1;
        public int Pid;
        public Exception? Failed;
        public readonly ManualResetEventSlim Done = new();
    }

    static readonly BlockingCollection<Request> s_requests = new();
    // The spawner starts with the first request.
    static StubSpawner()
    {
        var t = new Thread(() =>
        {
            foreach (var r in s_requests.GetConsumingEnumerable())
            {
                try { r.Pid = SpawnHere(r.ImageFd, r.Fd0, r.Fd1); }
                catch (Exception e) { r.Failed = e; }
                r.Done.Set();
            }
        }) { Name = "stub-spawner", IsBackground = true };
        t.Start();
    }

    static readonly Dictionary<string, int> s_images = new();

    /// <summary>A memfd holding a stub image, made once per name (spawned from /proc/self/fd: no file on disk).
    /// The name shows as the stub's executable ("/memfd:NAME").</summary>
    public static unsafe int ImageFd(string name, byte[] image)
    {
        lock (s_images)
        {
            if (s_images.TryGetValue(name, out int have)) return have;
            var bytes = System.Text.Encoding.ASCII.GetBytes(name + "\0");
            int fd;
            fixed (byte* n = bytes) fd = Tmds.Linux.LibC.memfd_create(n, 1 /* MFD_CLOEXEC */);
            if (fd < 0) throw new PlatformException($"memfd_create: errno {Host.Errno}");
            fixed (byte* p = image)
                if ((long)Tmds.Linux.LibC.write(fd, p, image.Length) != image.Length)
                    throw new PlatformException($"writing the stub image {name} failed");
            s_images[name] = fd;
            return fd;
        }
    }

    /// <summary>Spawns a stub from the image fd (on the spawner thread) and returns its pid. fd0 and fd1, if given,
    /// become the stub's fds 0 and 1 (else those are closed).</summary>
    public static int Spawn(int imageFd, int fd0 = -1, int fd1 = -1)
    {
        var r = new Request { ImageFd = imageFd, Fd0 = fd0, Fd1 = fd1 };
        s_requests.Add(r);
        r.Done.Wait();
        r.Done.Dispose();
        if (r.Failed != null) throw r.Failed as PlatformException ?? new PlatformException(r.Failed.Message);
        return r.Pid;
    }

    static int SpawnHere(int imageFd, int fd0, int fd1)
    {
        int pid;
        var attr = stackalloc byte[1024];
        var fa = stackalloc byte[1024];
        Host.posix_spawnattr_init(attr);
        Host.posix_spawn_file_actions_init(fa);
        try
        {
            ulong empty = 0, all = ~0UL;
            Host.posix_spawnattr_setsigmask(attr, &empty);
            Host.posix_spawnattr_setsigdefault(attr, &all);
            // POSIX_SPAWN_SETSIGDEF 0x04 | SETSIGMASK 0x08 | SETSID 0x80: no signals from our terminal reach the stub.
            Host.posix_spawnattr_setflags(attr, 0x04 | 0x08 | 0x80);
            Host.posix_spawn_file_actions_adddup2(fa, imageFd, 3);
            if (fd0 >= 0) Host.posix_spawn_file_actions_adddup2(fa, fd0, 0);
            else Host.posix_spawn_file_actions_addclose(fa, 0);
            if (fd1 >= 0) Host.posix_spawn_file_actions_adddup2(fa, fd1, 1);
            else Host.posix_spawn_file_actions_addclose(fa, 1);
            Host.posix_spawn_file_actions_addclose(fa, 2);
            Host.posix_spawn_file_actions_addclosefrom_np(fa, 4);
            var path = "/proc/self/fd/3\0"u8;
            byte* argv0 = stackalloc byte[] { (byte)'s', (byte)'t', (byte)'u', (byte)'b', 0 };
            byte** argv = stackalloc byte*[2] { argv0, null };
            byte** envp = stackalloc byte*[1] { null };
            fixed (byte* p = path)
            {
                int rc = Host.posix_spawn(&pid, p, fa, attr, argv, envp);
                if (rc != 0) throw new PlatformException($"posix_spawn of the stub failed: errno {rc}");
            }
        }
        finally
        {
            Host.posix_spawn_file_actions_destroy(fa);
            Host.posix_spawnattr_destroy(attr);
        }
        return pid;
    }
}
