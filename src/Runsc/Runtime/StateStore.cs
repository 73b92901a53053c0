using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace AppKernel.Runsc.Runtime;

/// <summary>A command cannot do what it was asked (unknown ID, wrong status, …): the message is for the user.</summary>
public sealed class RuntimeException(string message) : Exception(message);

/// <summary>
/// The state directory (--root, default /run/runsc): one directory per container holding state.json (written
/// whole to a temporary name and renamed, so a reader never sees half of it), the control socket of its sandbox
/// and its exit status. Commands on one container are serialised by an flock on its directory.
/// </summary>
public static unsafe partial class StateStore
{
    public const string DefaultRoot = "/run/runsc";
    public const string StateFile = "state.json", ExitFile = "exit-status", SocketName = "sandbox.sock";

    [GeneratedRegex(@"^[\w+\-\.]+$")]
    private static partial Regex IdPattern();

    /// <summary>runc's rule for IDs: letters, digits, _ + - . and not "." or "..".</summary>
    public static void CheckId(string id)
    {
        if (id.Length == 0) throw new RuntimeException("container id cannot be empty");
        if (!IdPattern().IsMatch(id) || id is "." or "..") throw new RuntimeException($"invalid container id format: {id}");
    }

    public static string Dir(string root, string id) => Path.Combine(root, id);

    /// <summary>Makes the container's directory (only if no container has the ID) and returns it locked.</summary>
    public static ContainerLock CreateDir(string root, string id)
    {
        CheckId(id);
        try { Directory.CreateDirectory(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RuntimeException($"cannot create the state directory {root}: {e.Message}");
        }
        var dir = Dir(root, id);
        int made;
        fixed (byte* p = System.Text.Encoding.UTF8.GetBytes(dir + "\0")) made = Tmds.Linux.LibC.mkdir(p, 0x1c9 /* 0711 */);
        if (made != 0)
        {
            int err = Tmds.Linux.LibC.errno;
            throw new RuntimeException(err == Tmds.Linux.LibC.EEXIST ? $"container with id exists: {id}" : $"cannot create {dir}: errno {err}");
        }
        return ContainerLock.Take(dir) ?? throw new RuntimeException($"container {id} was deleted while it was being created");
    }

    /// <summary>Locks an existing container's directory; "does not exist" if there is none (or it was just deleted).</summary>
    public static ContainerLock Open(string root, string id)
    {
        CheckId(id);
        return ContainerLock.Take(Dir(root, id)) ?? throw new RuntimeException($"container {id} does not exist");
    }

    public static ContainerRecord Read(string dir)
    {
        var path = Path.Combine(dir, StateFile);
        try { return JsonSerializer.Deserialize(File.ReadAllBytes(path), RuntimeJson.Default.ContainerRecord) ?? throw new JsonException("null"); }
        catch (FileNotFoundException) { throw new RuntimeException($"container {Path.GetFileName(dir)} does not exist (no {StateFile})"); }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            throw new RuntimeException($"{path}: unreadable state: {e.Message}");
        }
    }

    public static void Write(string dir, ContainerRecord r) =>
        WriteAtomically(Path.Combine(dir, StateFile), JsonSerializer.SerializeToUtf8Bytes(r, RuntimeJson.Default.ContainerRecord));

    /// <summary>Opens a container's directory as an fd kept for the process's life and returns its name through
    /// /proc/self/fd: still the host's directory once the sandbox has pivoted into its jail.</summary>
    public static string OpenDirFd(string dir)
    {
        const int O_PATH = 0x200000, O_DIRECTORY = 0x10000;
        int fd;
        fixed (byte* p = System.Text.Encoding.UTF8.GetBytes(dir + "\0")) fd = Tmds.Linux.LibC.open(p, O_PATH | O_DIRECTORY | Tmds.Linux.LibC.O_CLOEXEC);
        if (fd < 0) throw new RuntimeException($"{dir}: errno {Tmds.Linux.LibC.errno}");
        return $"/proc/self/fd/{fd}";
    }

    /// <summary>Writes a whole file under a temporary name in the same directory, then renames it into place.</summary>
    public static void WriteAtomically(string path, ReadOnlySpan<byte> content)
    {
        var tmp = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        using (var f = new FileStream(tmp, FileMode.Create, FileAccess.Write))
        {
            f.Write(content);
            f.Flush(true);
        }
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>The init's exit status, once the sandbox recorded it.</summary>
    public static int? ReadExitStatus(string dir)
    {
        try { return int.TryParse(File.ReadAllText(Path.Combine(dir, ExitFile)).Trim(), out var s) ? s : null; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>IDs of every container under root.</summary>
    public static List<string> List(string root)
    {
        if (!Directory.Exists(root)) return [];
        var ids = Directory.GetDirectories(root).Select(Path.GetFileName).Where(n => n != null && File.Exists(Path.Combine(root, n, StateFile))).ToList();
        ids.Sort(StringComparer.Ordinal);
        return ids!;
    }
}

/// <summary>An exclusive flock on a container's directory, held for one command. A directory removed while we
/// waited (nlink 0) is not taken.</summary>
public sealed unsafe partial class ContainerLock : IDisposable
{
    const int LOCK_EX = 2, O_DIRECTORY = 0x10000, O_CLOEXEC = 0x80000;
    int _fd;
    public string Dir { get; }

    ContainerLock(int fd, string dir)
    {
        _fd = fd;
        Dir = dir;
    }

    public static ContainerLock? Take(string dir)
    {
        int fd;
        fixed (byte* p = System.Text.Encoding.UTF8.GetBytes(dir + "\0")) fd = Tmds.Linux.LibC.open(p, O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) return null;
        int r;
        do r = flock(fd, LOCK_EX); while (r < 0 && Marshal.GetLastPInvokeError() == Tmds.Linux.LibC.EINTR);
        Tmds.Linux.stat st;
        if (r != 0 || Tmds.Linux.LibC.fstat(fd, &st) != 0 || st.st_nlink == 0)
        {
            Tmds.Linux.LibC.close(fd);
            return null;
        }
        return new ContainerLock(fd, dir);
    }

    public void Dispose()
    {
        if (_fd >= 0) Tmds.Linux.LibC.close(_fd);
        _fd = -1;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int flock(int fd, int op);
}
