using System.Text;
using static Tmds.Linux.LibC;

namespace AppKernel.Runsc.Runtime;

/// <summary>
/// Makes the missing mount points of a read-only root on the host before the sandbox starts, as runc does before
/// it remounts the root read-only (the Sentry makes them itself through the gofer in a writable root). The walk
/// is one component at a time from the root's fd with O_NOFOLLOW: a symlink on the way is refused, so nothing
/// outside the root is ever created.
/// </summary>
public static unsafe class MountPoints
{
    const int O_PATH = 0x200000, O_NOFOLLOW_ = 0x20000, O_DIRECTORY_ = 0x10000;

    /// <summary>Makes destination under rootfs (directories, and an empty file as the last component when asFile).
    /// Returns null, or why it could not.</summary>
    public static string? Make(string rootfs, string destination, bool asFile)
    {
        int dir = Open(AT_FDCWD, rootfs, O_PATH | O_DIRECTORY_);
        if (dir < 0) return $"{rootfs}: errno {errno}";
        try
        {
            var names = destination.Split('/', StringSplitOptions.RemoveEmptyEntries);
            for (int i = 0; i < names.Length; i++)
            {
                if (names[i] is "." or "..") return $"{destination}: must not contain . or ..";
                bool last = i == names.Length - 1;
                int next = Open(dir, names[i], O_PATH | O_NOFOLLOW_);
                if (next < 0 && errno == ENOENT)
                {
                    int r;
                    fixed (byte* p = Z(names[i]))
                    {
                        if (last && asFile)
                        {
                            r = openat(dir, p, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW_ | O_CLOEXEC, 0x1a4);
                            if (r >= 0) close(r);
                        }
                        else r = mkdirat(dir, p, 0x1ed);
                    }
                    if (r < 0 && errno != EEXIST) return $"cannot create {destination} in the root: errno {errno}";
                    next = Open(dir, names[i], O_PATH | O_NOFOLLOW_);
                }
                if (next < 0) return $"{destination}: errno {errno}";
                close(dir);
                dir = next;
                Tmds.Linux.stat st;
                if (fstat(dir, &st) != 0) return $"{destination}: errno {errno}";
                uint type = (uint)st.st_mode & 0xf000;
                if (type == 0xa000) return $"{destination}: crosses a symbolic link in the root ({names[i]})";
                if (!last && type != 0x4000) return $"{destination}: {names[i]} is not a directory";
            }
            return null;
        }
        finally { close(dir); }
    }

    static int Open(int at, string name, int flags)
    {
        fixed (byte* p = Z(name)) return openat(at, p, flags | O_CLOEXEC, 0);
    }

    static byte[] Z(string s) => Encoding.UTF8.GetBytes(s + "\0");
}
