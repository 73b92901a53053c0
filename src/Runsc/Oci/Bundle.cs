using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace AppKernel.Runsc.Oci;

/// <summary>A bundle's config.json is missing, malformed or asks for something the spec forbids. The message names
/// the file and the field (as `process.args[0]`), so an engine can show it to its user as it is.</summary>
public sealed class BundleException(string message) : Exception(message);

/// <summary>
/// An OCI bundle: a directory with config.json and the root file system it names. Load checks what the runtime
/// spec requires before anything is started (config.md's MUSTs that a runtime can see), so a bad bundle is one
/// clear error and nothing is left behind.
/// </summary>
public sealed class Bundle
{
    public string Dir { get; }
    public Spec Spec { get; }
    /// <summary>root.path made absolute (relative paths are relative to the bundle).</summary>
    public string RootPath { get; }

    Bundle(string dir, Spec spec, string rootPath)
    {
        Dir = dir;
        Spec = spec;
        RootPath = rootPath;
    }

    static readonly HashSet<string> NamespaceTypes = ["pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time"];

    public static Bundle Load(string dir)
    {
        dir = Path.GetFullPath(dir);
        if (!Directory.Exists(dir)) throw new BundleException($"bundle {dir}: not a directory");
        var path = Path.Combine(dir, "config.json");
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BundleException($"{path}: cannot be read: {e.Message}");
        }
        Spec? spec;
        try { spec = JsonSerializer.Deserialize(bytes, OciJson.Default.Spec); }
        catch (JsonException e)
        {
            // Path is "$.process.args[0]" (where the value sits); the position tells broken syntax apart.
            var field = e.Path is { Length: > 2 } p ? p[2..] + ": " : "";
            throw new BundleException($"{path}: {field}line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}: " +
                $"not valid for the OCI runtime spec ({FirstSentence(e.Message)})");
        }
        if (spec == null) throw new BundleException($"{path}: the file holds null, not a spec object");
        [DoesNotReturn] void Fail(string field, string why) => throw new BundleException($"{path}: {field}: {why}");

        if (string.IsNullOrEmpty(spec.OciVersion)) Fail("ociVersion", "missing");
        if (!spec.OciVersion!.StartsWith("1.")) Fail("ociVersion", $"{spec.OciVersion} is not a 1.x spec");

        if (spec.Root?.Path is not { Length: > 0 } rootField) { Fail("root.path", "missing"); }
        var root = Path.GetFullPath(rootField, dir);
        if (!Directory.Exists(root)) Fail("root.path", $"{root} is not a directory");

        if (spec.Process is not { } proc) { Fail("process", "missing"); }
        if (proc.Args is not { Count: > 0 }) Fail("process.args", "must name the program (at least one element)");
        for (int i = 0; i < proc.Args!.Count; i++)
            if (proc.Args[i] == null) Fail($"process.args[{i}]", "null");
        if (string.IsNullOrEmpty(proc.Cwd)) Fail("process.cwd", "missing");
        if (!proc.Cwd!.StartsWith('/')) Fail("process.cwd", $"{proc.Cwd} is not an absolute path");
        for (int i = 0; i < (proc.Env?.Count ?? 0); i++)
            if (proc.Env![i] is not { } kv || !kv.Contains('=')) Fail($"process.env[{i}]", "must be KEY=value");
        var seen = new HashSet<string>();
        for (int i = 0; i < (proc.Rlimits?.Count ?? 0); i++)
        {
            var r = proc.Rlimits![i];
            if (r.Type is not { } type || RlimitNumber(type) < 0) Fail($"process.rlimits[{i}].type", $"{r.Type ?? "null"} is not a resource limit");
            if (!seen.Add(r.Type!)) Fail($"process.rlimits[{i}].type", $"{r.Type} is given twice");
            if (r.Soft > r.Hard) Fail($"process.rlimits[{i}]", $"soft {r.Soft} is above hard {r.Hard}");
        }

        for (int i = 0; i < (spec.Mounts?.Count ?? 0); i++)
        {
            var m = spec.Mounts![i];
            if (m?.Destination is not { Length: > 0 } d) { Fail($"mounts[{i}].destination", "missing"); }
            if (!d.StartsWith('/')) Fail($"mounts[{i}].destination", $"{d} is not an absolute path");
        }
        var kinds = new HashSet<string>();
        for (int i = 0; i < (spec.Linux?.Namespaces?.Count ?? 0); i++)
        {
            var ns = spec.Linux!.Namespaces![i];
            if (ns?.Type is not { } t || !NamespaceTypes.Contains(t)) Fail($"linux.namespaces[{i}].type", $"{ns?.Type ?? "null"} is not a namespace type");
            if (!kinds.Add(ns!.Type!)) Fail($"linux.namespaces[{i}].type", $"{ns.Type} is given twice");
        }
        return new Bundle(dir, spec, root);
    }

    /// <summary>RLIMIT_NAME's number (Linux x86-64), or -1.</summary>
    public static int RlimitNumber(string name) => Array.IndexOf(RlimitNames, name);

    static readonly string[] RlimitNames =
    [
        "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE", "RLIMIT_RSS", "RLIMIT_NPROC", "RLIMIT_NOFILE",
        "RLIMIT_MEMLOCK", "RLIMIT_AS", "RLIMIT_LOCKS", "RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_RTPRIO", "RLIMIT_RTTIME",
    ];

    static string FirstSentence(string message)
    {
        int dot = message.IndexOf(". ", StringComparison.Ordinal);
        return dot > 0 ? message[..dot] : message.TrimEnd('.');
    }
}
