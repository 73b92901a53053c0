using Microsoft.Extensions.Logging;

namespace AppKernel.Runsc.Runtime;

/// <summary>
/// The sandbox's host cgroup, at the spec's cgroupsPath (cgroupfs layout, as runc's default driver): one directory
/// per v1 hierarchy, or one directory of the v2 tree. The sandbox process joins it before it starts the gofer or any
/// stub, so every host process and thread of the container is held by its limits — a fork bomb inside meets
/// pids.max, a memory hog the memory limit. A hybrid host (v1 controllers plus an empty cgroup2 "unified" mount)
/// is used as v1, as runc does.
/// </summary>
public sealed class Cgroup
{
    /// <summary>The cgroupsPath as given, made absolute ("/docker/ID").</summary>
    public string Path { get; }
    public bool V2 { get; }
    /// <summary>v1: controller name ("memory", "cpu", "name=systemd", ...) → the container's directory in that
    /// hierarchy (controllers mounted together share one). v2: the single entry "" → its directory.</summary>
    readonly Dictionary<string, string> _dirs;

    Cgroup(string path, bool v2, Dictionary<string, string> dirs)
    {
        Path = path;
        V2 = v2;
        _dirs = dirs;
    }

    /// <summary>The cgroup at cgroupsPath on this host's hierarchies; null when the spec names none (the sandbox then
    /// stays in its parent's cgroup, as gVisor does). A systemd "slice:prefix:name" path is refused.</summary>
    public static Cgroup? At(string? cgroupsPath)
    {
        if (string.IsNullOrEmpty(cgroupsPath)) return null;
        if (cgroupsPath.Contains(':') && !cgroupsPath.StartsWith('/'))
            throw new RuntimeException($"linux.cgroupsPath {cgroupsPath}: a systemd slice path needs --systemd-cgroup, which AppKernel does not support");
        var rel = "/" + cgroupsPath.Trim('/');
        foreach (var part in rel.Split('/', StringSplitOptions.RemoveEmptyEntries))
            if (part is "." or "..") throw new RuntimeException($"linux.cgroupsPath {cgroupsPath}: must not contain . or ..");
        var (v2Root, v1) = Hierarchies();
        var dirs = new Dictionary<string, string>();
        if (v2Root != null && v1.Count == 0)
        {
            dirs[""] = v2Root + rel;
            return new Cgroup(rel, true, dirs);
        }
        if (v1.Count == 0) throw new RuntimeException("linux.cgroupsPath: no cgroup hierarchy is mounted on this host");
        foreach (var (controller, mount) in v1) dirs[controller] = mount + rel;
        return new Cgroup(rel, false, dirs);
    }

    /// <summary>The mounted hierarchies from /proc/self/mountinfo: the cgroup2 mount (null if none) and each v1
    /// controller's mount point.</summary>
    static (string? V2Root, Dictionary<string, string> V1) Hierarchies()
    {
        string? v2 = null;
        var v1 = new Dictionary<string, string>();
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            // id parent major:minor root mountpoint options [optional...] - fstype source superoptions
            var f = line.Split(' ');
            int dash = Array.IndexOf(f, "-");
            if (dash < 0 || dash + 3 >= f.Length) continue;
            string point = Unescape(f[4]), type = f[dash + 1];
            if (type == "cgroup2") v2 ??= point;
            else if (type == "cgroup")
                foreach (var opt in f[dash + 3].Split(','))
                    if (opt is not ("rw" or "ro" or "relatime" or "noatime" or "nosuid" or "nodev" or "noexec" or "clone_children" or "noprefix" or "xattr")
                        && !opt.StartsWith("release_agent="))
                        v1.TryAdd(opt, point);
        }
        return (v2, v1);
    }

    static string Unescape(string s) => s.Replace("\\040", " ").Replace("\\011", "\t").Replace("\\012", "\n").Replace("\\134", "\\");

    public string? Dir(string controller) => _dirs.TryGetValue(V2 ? "" : controller, out var d) ? d : null;

    IEnumerable<string> UniqueDirs() => _dirs.Values.Distinct();

    /// <summary>Makes the directories (v1 cpuset levels get their parent's cpus and mems, without which no process
    /// may join; v2 parents get the controllers enabled for their children).</summary>
    public void Create()
    {
        foreach (var dir in UniqueDirs())
        {
            if (V2) EnableControllers(dir);
            Directory.CreateDirectory(dir);
        }
        if (!V2 && Dir("cpuset") is { } cs) InheritCpuset(cs);
    }

    static void InheritCpuset(string dir)
    {
        var parent = System.IO.Path.GetDirectoryName(dir)!;
        if (!File.Exists(System.IO.Path.Combine(parent, "cpuset.cpus"))) return;
        if (string.IsNullOrWhiteSpace(Read(parent, "cpuset.cpus")) || string.IsNullOrWhiteSpace(Read(parent, "cpuset.mems")))
            InheritCpuset(parent);
        foreach (var f in new[] { "cpuset.cpus", "cpuset.mems" })
            if (string.IsNullOrWhiteSpace(Read(dir, f))) Write(dir, f, Read(parent, f).Trim());
    }

    /// <summary>v2: each level above the container's directory must pass the controllers down.</summary>
    static void EnableControllers(string dir)
    {
        var levels = new Stack<string>();
        for (var d = System.IO.Path.GetDirectoryName(dir); d != null && File.Exists(System.IO.Path.Combine(d, "cgroup.controllers")); d = System.IO.Path.GetDirectoryName(d))
            levels.Push(d);
        foreach (var level in levels)
        {
            Directory.CreateDirectory(level);
            var available = Read(level, "cgroup.controllers").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            foreach (var c in new[] { "cpu", "cpuset", "memory", "pids", "io" })
                if (available.Contains(c))
                    try { Write(level, "cgroup.subtree_control", "+" + c); }
                    catch (IOException) { } // a controller the parent cannot pass on (a process lives in it): not ours to fix
        }
    }

    /// <summary>Moves a process (all its threads) into every hierarchy of the cgroup.</summary>
    public void Join(int pid)
    {
        foreach (var dir in UniqueDirs()) Write(dir, "cgroup.procs", pid.ToString());
    }

    /// <summary>Host pids still in the cgroup.</summary>
    public List<int> Pids()
    {
        var pids = new HashSet<int>();
        foreach (var dir in UniqueDirs())
        {
            string text;
            try { text = Read(dir, "cgroup.procs"); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; }
            foreach (var l in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                if (int.TryParse(l, out var p)) pids.Add(p);
        }
        return [.. pids];
    }

    /// <summary>Removes the directories once the sandbox is gone: a process still in them (a stub or gofer on its
    /// way out) is killed and waited for. Returns false if a directory could not be removed in time.</summary>
    public bool Destroy(TimeSpan wait, ILogger log)
    {
        var deadline = DateTime.UtcNow + wait;
        bool ok = true;
        foreach (var dir in UniqueDirs())
        {
            while (true)
            {
                if (!Directory.Exists(dir)) break;
                try
                {
                    Directory.Delete(dir); // rmdir: the control files are not real files
                    break;
                }
                catch (IOException) when (DateTime.UtcNow < deadline)
                {
                    foreach (var p in Pids()) Tmds.Linux.LibC.kill(p, 9);
                    Thread.Sleep(20);
                }
                catch (IOException e)
                {
                    log.LogWarning("cannot remove cgroup {Dir}: {Message}", dir, e.Message);
                    ok = false;
                    break;
                }
            }
        }
        return ok;
    }

    internal static string Read(string dir, string file) => File.ReadAllText(System.IO.Path.Combine(dir, file));

    internal static bool TryRead(string dir, string file, out string value)
    {
        try
        {
            value = File.ReadAllText(System.IO.Path.Combine(dir, file)).Trim();
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            value = "";
            return false;
        }
    }

    /// <summary>One write(2) of the whole value, as the cgroup files expect.</summary>
    internal static void Write(string dir, string file, string value)
    {
        var path = System.IO.Path.Combine(dir, file);
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1, FileOptions.None);
            var bytes = System.Text.Encoding.ASCII.GetBytes(value);
            fs.Write(bytes);
            fs.Flush();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cgroup: writing {value} to {path}: {e.Message}", e);
        }
    }
}
