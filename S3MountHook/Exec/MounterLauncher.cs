using LanguageExt;
using LanguageExt.Common;
using S3MountHook.Native;

namespace S3MountHook.Exec;

/// <summary>
/// The <c>exec-mounter</c> internal command: the process CliWrap starts, which turns itself into the
/// mounter. Before execve it points stdin at /dev/null and stdout and stderr at the mounter's log
/// file, starts a new session and changes to "/". The mounter and any helper it forks therefore
/// keep no pipe of the hook's open. That matters because CliWrap waits for its pipes to close, and
/// a daemon or a fusermount helper would keep them open for the life of the mount. The new session
/// keeps signals sent to the runtime's process group away from the mounter. The environment
/// CliWrap set is passed on unchanged.
/// </summary>
internal static class MounterLauncher
{
    /// <summary>The argv[1] that selects this command.</summary>
    public const string Command = "exec-mounter";

    /// <summary>Exit code when the mounter could not be started, as shells use for "command not found".</summary>
    public const int StartFailedExitCode = 127;

    /// <summary>Builds the launcher's arguments: the log file, then the mounter's program and arguments.</summary>
    public static IReadOnlyList<string> Arguments(string logPath, string program, IEnumerable<string> arguments) =>
        [Command, logPath, program, .. arguments];

    /// <summary>Runs the launcher; returns an exit code only when execve failed.</summary>
    public static int Run(IReadOnlyList<string> arguments)
    {
        if (arguments.Count < 3)
        {
            Console.Error.WriteLine($"{Command}: expected LOG PROGRAM [ARGUMENT...]");
            return StartFailedExitCode;
        }

        var error = Prepare(arguments[1]).Match(
            Succ: _ => Libc.Execve(arguments[2], arguments.Skip(2).ToList(), CurrentEnvironment()),
            Fail: failure => failure);

        // stderr is the log file by now (or still the hook's pipe when Prepare failed early), so
        // the runner finds this line with the mounter's output.
        Console.Error.WriteLine($"s3mounthook: cannot start the mounter: {error.Message}");
        return StartFailedExitCode;
    }

    private static Fin<Unit> Prepare(string logPath)
    {
        Libc.SetFileCreationMask(UnixMode.OwnerOnlyMask);
        return
            from log in Libc.OpenForStdio(logPath, Libc.OWrOnly | Libc.OCreat | Libc.OAppend, UnixMode.OwnerReadWrite)
            from input in Libc.OpenForStdio("/dev/null", Libc.ORdOnly, 0)
            from _1 in Libc.Dup2(input, 0)
            from _2 in Libc.Dup2(log, 1)
            from _3 in Libc.Dup2(log, 2)
            from _4 in Libc.Setsid()
            from _5 in Libc.Chdir("/")
            from _6 in Libc.CloseOnExecFrom(3)
            select _6;
    }

    private static List<string> CurrentEnvironment()
    {
        var variables = new List<string>();
        foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            variables.Add($"{entry.Key}={entry.Value}");
        }

        return variables;
    }
}
