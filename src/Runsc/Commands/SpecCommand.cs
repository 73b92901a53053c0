using System.CommandLine;
using System.Text.Json;
using AppKernel.Runsc.Oci;

namespace AppKernel.Runsc.Commands;

/// <summary>`runsc spec [--bundle DIR] [-- ARGS...]`: writes a default config.json into the bundle directory (runc's
/// defaults; ARGS, as gVisor's spec takes them, replace the process's "sh"). An existing config.json is never
/// overwritten.</summary>
public static class SpecCommand
{
    static readonly Option<string?> Bundle = new("--bundle", "-b") { Description = "directory to write config.json into (default: the current directory)" };
    static readonly Argument<string[]> Args = new("args") { Description = "the container's command (default: sh)", Arity = ArgumentArity.ZeroOrMore };

    public static Command Create()
    {
        var cmd = new Command("spec", "Create a new specification file (config.json) for a bundle.") { Bundle, Args };
        cmd.SetAction(parse => Run(parse.GetValue(Bundle), parse.GetValue(Args) ?? []));
        return cmd;
    }

    static int Run(string? bundle, string[] args)
    {
        var dir = bundle ?? Directory.GetCurrentDirectory();
        if (!Directory.Exists(dir))
        {
            Console.Error.WriteLine($"runsc spec: bundle directory {dir} does not exist");
            return 1;
        }
        var path = Path.Combine(dir, "config.json");
        if (File.Exists(path) || Directory.Exists(path))
        {
            Console.Error.WriteLine($"runsc spec: {path} exists; remove it first");
            return 1;
        }
        var json = JsonSerializer.Serialize(DefaultSpec.Create(args), OciJson.Default.Spec);
        try
        {
            // A new file only (CreateNew): a config.json made meanwhile by someone else is not replaced.
            using var f = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
            using var w = new StreamWriter(f);
            w.Write(json);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"runsc spec: {path}: {e.Message}");
            return 1;
        }
        return 0;
    }
}
