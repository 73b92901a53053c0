using System.CommandLine;
using AppKernel.Runsc.Commands;

namespace AppKernel.Runsc;

public static class Program
{
    public static int Main(string[] args)
    {
        var separated = SeparateGuestCommand(args);
        if (separated == null) return 125;
        // A known subcommand is parsed under a bare root holding only itself. Every process of a sandbox (`do`,
        // `boot`, the gofer) starts through here: the other twenty-odd commands' trees cost a few milliseconds (their
        // first use faults in their code), and RootCommand's help and version options read their descriptions
        // through a ResourceManager, ~2 ms of reflection. Help, the version, unknown words and any parse error get
        // the full tree, so what the user sees is the same.
        int at = SubcommandAt(args);
        int only = at < 0 ? -1 : Array.FindIndex(Commands, c => c.Name == args[at]);
        if (only >= 0 && !AsksForHelpOrVersion(separated))
        {
            var bare = new Command("runsc") { Commands[only].Create() };
            GlobalOptions.AddTo(bare);
            var parsed = bare.Parse(separated);
            if (parsed.Errors.Count == 0) return parsed.Invoke();
        }
        var root = new RootCommand("runsc: the AppKernel sandbox runtime (an application kernel for Linux programs)");
        foreach (var c in Commands) root.Subcommands.Add(c.Create());
        GlobalOptions.AddTo(root);
        return root.Parse(separated).Invoke();
    }

    /// <summary>Whether a word before the guest's command (`--`) is a help or version flag or a directive
    /// (`[diagram]`): those are RootCommand's.</summary>
    static bool AsksForHelpOrVersion(string[] args)
    {
        foreach (var a in args)
        {
            if (a == "--") return false;
            if (a is "-h" or "--help" or "-?" or "/h" or "/?" or "--version" || a.StartsWith('[')) return true;
        }
        return false;
    }

    static readonly (string Name, Func<Command> Create)[] Commands =
    [
        ("do", DoCommand.Create),
        ("confine-check", ConfineCheckCommand.Create),
        ("gofer", GoferCommand.Create),
        ("spec", SpecCommand.Create),
        ("create", CreateCommand.Create),
        ("boot", BootCommand.Create),
        ("start", StartCommand.Create),
        ("state", StateCommand.Create),
        ("kill", KillCommand.Create),
        ("delete", DeleteCommand.Create),
        ("run", RunCommand.Create),
        ("list", ListCommand.Create),
        ("wait", WaitCommand.Create),
        ("exec", ExecCommand.Create),
        ("pause", PauseCommands.Pause),
        ("resume", PauseCommands.Resume),
        ("ps", PauseCommands.Ps),
        ("events", EventsCommand.Create),
        ("update", UpdateCommand.Create),
        ("features", FeaturesCommand.Create),
        ("install", InstallCommand.Install),
        ("uninstall", InstallCommand.Uninstall),
    ];

    /// <summary>Where the subcommand is: the first word that is neither a global flag nor its value ("do" inside
    /// another command's arguments, `runsc spec -- sh -c do`, is not one); -1 if none.</summary>
    static int SubcommandAt(string[] args)
    {
        for (int i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith('-')) return i;
            if (GlobalOptions.ValueOptions.Contains(args[i])) i++;
        }
        return -1;
    }

    /// <summary>
    /// `runsc do [flags] prog args...`: flags stop at the program name, as with gVisor, so the guest's own
    /// options (ls -la) are never taken for ours. Inserts "--" before the program. The same for `exec`.
    /// </summary>
    static string[]? SeparateGuestCommand(string[] args)
    {
        int doAt = SubcommandAt(args);
        if (doAt < 0 || args[doAt] is not ("do" or "exec")) return args;
        // `do PROG ARGS` splits at the program; `exec [flags] ID PROG ARGS` after the container's ID (as runc's
        // flags stop at the first argument).
        bool isDo = args[doAt] == "do";
        var (values, switches) = isDo ? (DoCommand.ValueOptions, DoCommand.SwitchOptions) : (ExecCommand.ValueOptions, ExecCommand.SwitchOptions);
        for (int i = doAt + 1; i < args.Length; i++)
        {
            var a = args[i];
            if (a == "--") return args;
            if (a.StartsWith('-') && a.Length > 1)
            {
                string flag = a.Split('=', 2)[0];
                if (values.Contains(flag) && !a.Contains('=')) i++;
                else if (!values.Contains(flag) && !switches.Contains(flag))
                {
                    Console.Error.WriteLine($"runsc {args[doAt]}: unknown flag {flag} (see runsc {args[doAt]} --help)");
                    return null;
                }
                continue;
            }
            var list = args.ToList();
            list.Insert(isDo ? i : i + 1, "--");
            return list.ToArray();
        }
        return args;
    }
}
