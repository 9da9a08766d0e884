using System.Globalization;
using LanguageExt;
using LanguageExt.Common;
using S3MountHook.Errors;
using S3MountHook.Native;

namespace S3MountHook.Exec;

/// <summary>
/// The <c>exec-mounter</c> internal command: the process CliWrap starts, which turns itself into the
/// mounter. Before execve it points stdin at /dev/null and stdout and stderr at the mounter's log
/// file, starts a new session and changes to "/". The mounter and any helper it forks therefore
/// keep no pipe of the hook's open. That matters because CliWrap waits for its pipes to close, and
/// a daemon or a fusermount helper would keep them open for the life of the mount. The new session
/// keeps signals sent to the runtime's process group away from the mounter. The launcher also
/// writes its pid and start time to a file, which the execve keeps valid, so the mounter's identity
/// is on disk before the mounter runs. A hook killed before it wrote the container's record thus
/// still leaves enough for poststop and gc to stop the mounter. The environment CliWrap set is passed on
/// unchanged.
/// </summary>
internal static class MounterLauncher
{
    /// <summary>The argv[1] that selects this command.</summary>
    public const string Command = "exec-mounter";

    /// <summary>Exit code when the mounter could not be started, as shells use for "command not found".</summary>
    public const int StartFailedExitCode = 127;

    /// <summary>File name of the pid file inside the container's state directory.</summary>
    public const string PidFileName = "mounter.pid";

    /// <summary>
    /// Builds the launcher's arguments: the log file, the pid file, then the mounter's program and
    /// arguments.
    /// </summary>
    public static IReadOnlyList<string> Arguments(
        string logPath,
        string pidPath,
        string program,
        IEnumerable<string> arguments
    ) => [Command, logPath, pidPath, program, .. arguments];

    /// <summary>
    /// Reads the identity that the launcher wrote to the pid file in
    /// <paramref name="containerDirectory"/>. Returns null when there is no such file or its
    /// text is not "PID STARTTIME".
    /// </summary>
    public static ProcessIdentity? ReadPidFile(string containerDirectory)
    {
        string text;
        try
        {
            text = File.ReadAllText(Path.Join(containerDirectory, PidFileName));
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        var fields = text.Split(
            ' ',
            StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries
        );
        return
            fields.Length == 2
            && int.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            && ulong.TryParse(
                fields[1],
                NumberStyles.None,
                CultureInfo.InvariantCulture,
                out var startTime
            )
            ? new ProcessIdentity(pid, startTime)
            : null;
    }

    /// <summary>Runs the launcher; returns an exit code only when execve failed.</summary>
    public static int Run(IReadOnlyList<string> arguments)
    {
        if (arguments.Count < 4)
        {
            Console.Error.WriteLine($"{Command}: expected LOG PIDFILE PROGRAM [ARGUMENT...]");
            return StartFailedExitCode;
        }

        var error = Prepare(arguments[1], arguments[2])
            .Match(
                Succ: _ =>
                    Libc.Execve(arguments[3], arguments.Skip(3).ToList(), CurrentEnvironment()),
                Fail: failure => failure
            );

        // stderr is the log file by now (or still the hook's pipe when Prepare failed early), so
        // the runner finds this line with the mounter's output.
        Console.Error.WriteLine($"s3mounthook: cannot start the mounter: {error.Message}");
        return StartFailedExitCode;
    }

    private static Fin<Unit> Prepare(string logPath, string pidPath)
    {
        Libc.SetFileCreationMask(UnixMode.OwnerOnlyMask);
        return from log in Libc.OpenForStdio(
                logPath,
                Libc.OWrOnly | Libc.OCreat | Libc.OAppend,
                UnixMode.OwnerReadWrite
            )
            from input in Libc.OpenForStdio("/dev/null", Libc.ORdOnly, 0)
            from _1 in Libc.Dup2(input, 0)
            from _2 in Libc.Dup2(log, 1)
            from _3 in Libc.Dup2(log, 2)
            from _4 in Libc.Setsid()
            from _5 in Libc.Chdir("/")
            from _6 in WritePidFile(pidPath)
            from _7 in Libc.CloseOnExecFrom(3)
            select _7;
    }

    private static Fin<Unit> WritePidFile(string path)
    {
        var self = ProcessIdentity.Of(Environment.ProcessId);
        if (self is null)
        {
            return Error.New(
                $"cannot read the start time of pid {Environment.ProcessId} from /proc"
            );
        }

        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            };
            using var file = new FileStream(path, options);
            file.Write(
                System.Text.Encoding.ASCII.GetBytes(
                    string.Create(CultureInfo.InvariantCulture, $"{self.Pid} {self.StartTime}\n")
                )
            );
            return Prelude.unit;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return Error.New($"cannot write pid file {path}: {ExceptionText.Describe(error)}");
        }
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
