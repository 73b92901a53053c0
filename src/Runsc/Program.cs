using System.CommandLine;
using AppKernel.Runsc.Commands;

namespace AppKernel.Runsc;

public static class Program
{
    public static int Main(string[] args)
    {
        var root = new RootCommand("runsc: the AppKernel sandbox runtime (an application kernel for Linux programs)")
        {
            DoCommand.Create(),
            ConfineCheckCommand.Create(),
            GoferCommand.Create(),
            SpecCommand.Create(),
            CreateCommand.Create(),
            BootCommand.Create(),
            StartCommand.Create(),
            StateCommand.Create(),
            KillCommand.Create(),
            DeleteCommand.Create(),
            RunCommand.Create(),
            ListCommand.Create(),
            WaitCommand.Create(),
            ExecCommand.Create(),
            PauseCommands.Pause(),
            PauseCommands.Resume(),
            PauseCommands.Ps(),
            EventsCommand.Create(),
            UpdateCommand.Create(),
            FeaturesCommand.Create(),
            InstallCommand.Install(),
            InstallCommand.Uninstall(),
        };
        GlobalOptions.AddTo(root);
        var separated = SeparateGuestCommand(args);
        if (separated == null) return 125;
        return root.Parse(separated).Invoke();
    }

    /// <summary>
    /// `runsc do [flags] prog args...`: flags stop at the program name, as with gVisor, so the guest's own
    /// options (ls -la) are never taken for ours. Inserts "--" before the program. The same for `exec`.
    /// </summary>
    static string[]? SeparateGuestCommand(string[] args)
    {
        // The subcommand is the first word that is neither a global flag nor its value: "do" inside another
        // command's arguments (`runsc spec -- sh -c do`) is not ours to split.
        int doAt = -1;
        for (int i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith('-')) { doAt = i; break; }
            if (GlobalOptions.ValueOptions.Contains(args[i])) i++;
        }
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
