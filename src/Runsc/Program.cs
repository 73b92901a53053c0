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
        };
        return root.Parse(SeparateGuestCommand(args)).Invoke();
    }

    /// <summary>
    /// `runsc do [flags] prog args...`: flags stop at the program name, as with gVisor, so the guest's own
    /// options (ls -la) are never taken for ours. Inserts "--" before the program.
    /// </summary>
    static string[] SeparateGuestCommand(string[] args)
    {
        int doAt = Array.IndexOf(args, "do");
        if (doAt < 0) return args;
        for (int i = doAt + 1; i < args.Length; i++)
        {
            var a = args[i];
            if (a == "--") return args;
            if (a.StartsWith('-'))
            {
                if (DoCommand.ValueOptions.Contains(a)) i++;
                continue;
            }
            var list = args.ToList();
            list.Insert(i, "--");
            return list.ToArray();
        }
        return args;
    }
}
