using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using AppKernel.Runsc.Runtime;

namespace AppKernel.Runsc.Commands;

/// <summary>`runsc install [--config-file F] [--runtime NAME] [-- FLAGS...]` and `runsc uninstall`: add or remove
/// this runsc as a runtime in Docker's daemon.json, keeping every other key (then `kill -HUP` dockerd).</summary>
public static class InstallCommand
{
    const string DefaultConfig = "/etc/docker/daemon.json";

    public static Command Install()
    {
        var config = new Option<string>("--config-file") { DefaultValueFactory = _ => DefaultConfig, Description = "Docker's daemon.json" };
        var runtime = new Option<string>("--runtime") { DefaultValueFactory = _ => "runsc", Description = "the runtime's name in Docker" };
        var flags = new Argument<string[]>("flags") { Arity = ArgumentArity.ZeroOrMore, Description = "runsc flags Docker passes first (runtimeArgs)" };
        var cmd = new Command("install", "Register runsc as a runtime in Docker's daemon.json.") { config, runtime, flags };
        cmd.SetAction(p => RuntimeCommand.Execute(p, "install", ctx =>
        {
            var path = p.GetValue(config)!;
            var root = Load(path);
            var runtimes = root["runtimes"] as JsonObject ?? new JsonObject();
            root["runtimes"] = runtimes;
            var args = new JsonArray();
            foreach (var f in p.GetValue(flags) ?? []) args.Add((JsonNode?)JsonValue.Create(f));
            runtimes[p.GetValue(runtime)!] = new JsonObject { ["path"] = Environment.ProcessPath ?? "/usr/local/bin/runsc", ["runtimeArgs"] = args };
            Save(path, root);
            Console.WriteLine($"runtime {p.GetValue(runtime)} added to {path}; reload dockerd (kill -HUP) to use it");
            return 0;
        }));
        return cmd;
    }

    public static Command Uninstall()
    {
        var config = new Option<string>("--config-file") { DefaultValueFactory = _ => DefaultConfig, Description = "Docker's daemon.json" };
        var runtime = new Option<string>("--runtime") { DefaultValueFactory = _ => "runsc", Description = "the runtime's name in Docker" };
        var cmd = new Command("uninstall", "Remove runsc from Docker's daemon.json.") { config, runtime };
        cmd.SetAction(p => RuntimeCommand.Execute(p, "uninstall", ctx =>
        {
            var path = p.GetValue(config)!;
            var root = Load(path);
            if (root["runtimes"] is not JsonObject runtimes || !runtimes.Remove(p.GetValue(runtime)!))
                throw new RuntimeException($"{path}: no runtime {p.GetValue(runtime)}");
            Save(path, root);
            return 0;
        }));
        return cmd;
    }

    static JsonObject Load(string path)
    {
        if (!File.Exists(path)) return new JsonObject();
        try { return JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new RuntimeException($"{path}: not a JSON object"); }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            throw new RuntimeException($"{path}: {e.Message}");
        }
    }

    static void Save(string path, JsonObject root)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true })) root.WriteTo(w);
        StateStore.WriteAtomically(Path.GetFullPath(path), ms.ToArray());
    }
}
