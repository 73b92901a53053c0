using System.CommandLine;
using System.Text.Json;
using AppKernel.Runsc.Oci;
using AppKernel.Runsc.Runtime;

namespace AppKernel.Runsc.Commands;

/// <summary>
/// `runsc exec [--process FILE | flags] ID [COMMAND ARGS...]`: runs another process in a running container, with
/// this command's stdio, and exits with its status. With --detach a helper `runsc exec` (the pid written to
/// --pid-file) waits for the process and exits with its status, as engines expect of runc's.
/// </summary>
public static class ExecCommand
{
    static readonly Option<string?> ProcessFile = new("--process", "-p") { Description = "path to a JSON file with the process (OCI spec's process object)" };
    static readonly Option<bool> Detach = new("--detach", "-d") { Description = "return once the process has started" };
    static readonly Option<string?> PidFile = new("--pid-file") { Description = "file to write the waiting helper's pid to" };
    static readonly Option<string[]> Env = new("--env", "-e") { Description = "set an environment variable (KEY=value)" };
    static readonly Option<string?> Cwd = new("--cwd") { Description = "working directory inside the container" };
    static readonly Option<string?> User = new("--user", "-u") { Description = "UID[:GID]" };
    static readonly Option<string[]> Gids = new("--additional-gids", "-g") { Description = "additional group ids" };
    static readonly Option<bool> Tty = new("--tty", "-t") { Description = "allocate a terminal for the process" };
    static readonly Option<string?> ConsoleSocket = new("--console-socket") { Description = "socket for the terminal's master fd (with --tty)" };
    static readonly Option<bool> NoNewPrivs = new("--no-new-privs") { Description = "set no_new_privs for the process" };
    static readonly Option<string[]> Caps = new("--cap", "-c") { Description = "accepted for runc compatibility" };
    static readonly Option<int> PreserveFds = new("--preserve-fds") { Description = "extra fds (not supported: must be 0)" };
    static readonly Option<string?> ExecSpec = new("--exec-spec") { Hidden = true };
    static readonly Option<int> ReadyFd = new("--ready-fd") { Hidden = true, DefaultValueFactory = _ => -1 };
    static readonly Argument<string> Id = new("container-id");
    static readonly Argument<string[]> Command = new("command") { Arity = ArgumentArity.ZeroOrMore };

    /// <summary>Flags with a value and switches, for the pre-scan that stops flags at the container's ID.</summary>
    public static readonly HashSet<string> ValueOptions = ["--process", "-p", "--pid-file", "--env", "-e", "--cwd", "--user", "-u",
        "--additional-gids", "-g", "--console-socket", "--cap", "-c", "--preserve-fds", "--exec-spec", "--ready-fd", "--process-label", "--apparmor", "--cgroup"];
    public static readonly HashSet<string> SwitchOptions = ["--detach", "-d", "--tty", "-t", "--no-new-privs", "-h", "--help", "-?"];

    public static Command Create()
    {
        var cmd = new Command("exec", "Run a process in a running container.")
        {
            ProcessFile, Detach, PidFile, Env, Cwd, User, Gids, Tty, ConsoleSocket, NoNewPrivs, Caps, PreserveFds, ExecSpec, ReadyFd, Id, Command,
        };
        cmd.SetAction(p => RuntimeCommand.Execute(p, "exec", ctx => Run(ctx, p)));
        return cmd;
    }

    static int Run(RuntimeContext ctx, ParseResult p)
    {
        string id = p.GetValue(Id)!;
        if (p.GetValue(PreserveFds) != 0) throw new RuntimeException("--preserve-fds: passing extra fds is not supported");
        string dir;
        ExecProcess proc;
        using (var c = Container.Open(ctx.Root, id))
        {
            var status = c.Status();
            if (status != Container.Running) throw new RuntimeException($"cannot exec in a container that is {status}: {id}");
            dir = c.Dir;
            proc = p.GetValue(ExecSpec) is { } json
                ? JsonSerializer.Deserialize(json, RuntimeJson.Default.ExecProcess) ?? throw new RuntimeException("--exec-spec: null")
                : Resolve(p, c.Record.Bundle);
        }
        if (p.GetValue(Tty)) proc.Terminal = true;
        if (p.GetValue(ConsoleSocket) != null && !proc.Terminal) throw new RuntimeException("--console-socket: given without --tty or the process's terminal");
        // --tty with a socket: a host pty whose master the engine gets; its replica is the process's stdio.
        int console = p.GetValue(ConsoleSocket) is { } sock ? HostPty.Allocate(sock) : -1;
        try
        {
            return p.GetValue(Detach) ? StartHelper(ctx, p, id, proc, console) : RunAttached(dir, proc, p.GetValue(ReadyFd), console);
        }
        finally { if (console >= 0) Tmds.Linux.LibC.close(console); }
    }

    /// <summary>The process to run: --process's file, else the command and flags over the container's own process
    /// (its env, cwd and user, as runc).</summary>
    static ExecProcess Resolve(ParseResult p, string bundleDir)
    {
        var init = Bundle.Load(bundleDir).Spec.Process!;
        SpecProcess sp;
        if (p.GetValue(ProcessFile) is { } file)
        {
            try { sp = JsonSerializer.Deserialize(File.ReadAllBytes(file), OciJson.Default.SpecProcess) ?? throw new JsonException("null"); }
            catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
            {
                throw new RuntimeException($"--process {file}: {e.Message}");
            }
            if (sp.Args is not { Count: > 0 }) throw new RuntimeException($"--process {file}: args: must name the program");
        }
        else
        {
            var args = p.GetValue(Command) ?? [];
            if (args.Length == 0) throw new RuntimeException("exec: give a command or --process");
            sp = new SpecProcess { Args = [.. args], Env = [.. init.Env ?? [], .. p.GetValue(Env) ?? []], Cwd = p.GetValue(Cwd) ?? init.Cwd, User = init.User, Capabilities = init.Capabilities };
            if (p.GetValue(User) is { } u)
            {
                var parts = u.Split(':');
                if (!uint.TryParse(parts[0], out var uid) || (parts.Length > 1 && !uint.TryParse(parts[1], out _)))
                    throw new RuntimeException($"--user {u}: expected UID[:GID] as numbers");
                sp.User = new SpecUser { Uid = uid, Gid = parts.Length > 1 ? uint.Parse(parts[1]) : 0 };
            }
            foreach (var g in p.GetValue(Gids) ?? [])
                (sp.User ??= new SpecUser()).AdditionalGids = [.. sp.User.AdditionalGids ?? [], uint.TryParse(g, out var gid) ? gid : throw new RuntimeException($"--additional-gids {g}: not a number")];
            if (p.GetValue(NoNewPrivs)) sp.NoNewPrivileges = true;
        }
        return new ExecProcess
        {
            Argv = sp.Args!, Env = sp.Env ?? [], Cwd = sp.Cwd ?? "/", Uid = sp.User?.Uid ?? 0, Gid = sp.User?.Gid ?? 0,
            Groups = sp.User?.AdditionalGids ?? [], Umask = sp.User?.Umask, NoNewPrivileges = sp.NoNewPrivileges == true,
            Capabilities = sp.Capabilities, Terminal = sp.Terminal == true,
        };
    }

    /// <summary>Sends the process with our stdio and waits: returns its exit status. readyFd (the detached form's
    /// helper) is told "ok" or the error once it started.</summary>
    static int RunAttached(string dir, ExecProcess proc, int readyFd, int console = -1)
    {
        int[] stdio = console >= 0 ? [console, console, console] : [0, 1, 2];
        using var session = ControlChannel.Open(dir, new ControlRequest { Op = ControlOps.Exec, Process = proc }, stdio)
            ?? throw new RuntimeException("the container's sandbox is gone");
        var started = session.Next() ?? throw new RuntimeException("the container's sandbox is gone");
        if (started.Error != null)
        {
            if (readyFd >= 0) ReadyHelper.Report(readyFd, started.Error);
            throw new RuntimeException(started.Error);
        }
        if (readyFd >= 0) ReadyHelper.Report(readyFd, "ok");
        // Signals to this command go to the process, as runc's exec forwards them.
        ControlReply? done;
        using (new SignalForwarding(nr => ControlChannel.Call(dir, new ControlRequest { Op = ControlOps.Signal, Signal = nr, Pid = started.Pid ?? 0 })))
            done = session.Next();
        return done?.ExitStatus ?? 128 + 9; // the sandbox is gone: its processes died with it, as of SIGKILL
    }

    /// <summary>--detach: a helper `runsc exec` with our stdio runs and waits for the process; its pid goes to
    /// --pid-file once the process has started.</summary>
    static int StartHelper(RuntimeContext ctx, ParseResult p, string id, ExecProcess proc, int console)
    {
        int pid = ReadyHelper.Start(p, ["exec", "--exec-spec", JsonSerializer.Serialize(proc, RuntimeJson.Default.ExecProcess)], id,
            "exec: the helper exited before the process started", console);
        if (p.GetValue(PidFile) is { } pf) StateStore.WriteAtomically(Path.GetFullPath(pf), System.Text.Encoding.ASCII.GetBytes(pid.ToString()));
        return 0;
    }
}
