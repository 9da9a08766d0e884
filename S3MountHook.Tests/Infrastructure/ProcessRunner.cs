using System.Diagnostics;

namespace S3MountHook.Tests.Infrastructure;

/// <summary>Exit code and captured output of a process run by <see cref="ProcessRunner"/>.</summary>
/// <param name="ExitCode">Exit code, or -1 when the process timed out and was killed.</param>
/// <param name="Stdout">Everything the process wrote to stdout.</param>
/// <param name="Stderr">Everything the process wrote to stderr.</param>
/// <param name="TimedOut">True when the deadline passed and the process was killed.</param>
public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr, bool TimedOut)
{
    /// <summary>Describes the result for assertion messages.</summary>
    public override string ToString() =>
        $"exit code {ExitCode}{(TimedOut ? " (timed out)" : "")}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}

/// <summary>
/// Runs a program with an explicit environment and a deadline. stdin, stdout and stderr are files,
/// never pipes: a daemon that inherits a pipe would keep it open and make a reader wait for
/// end-of-file until the daemon exits.
/// </summary>
public static class ProcessRunner
{
    /// <summary>PATH given to child processes when the caller sets none.</summary>
    public const string DefaultPath =
        "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>
    /// Runs <paramref name="program"/> with <paramref name="arguments"/> and waits at most
    /// <paramref name="timeout"/>. The child gets only <paramref name="environment"/> plus PATH
    /// (<see cref="DefaultPath"/> unless given), so no variable of the test process leaks in.
    /// On timeout the process tree is killed.
    /// </summary>
    public static ProcessResult Run(
        string program,
        IEnumerable<string> arguments,
        TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null,
        string? stdin = null,
        string? workingDirectory = null
    )
    {
        var outputDirectory = Directory.CreateTempSubdirectory("e2e-process-");
        try
        {
            var stdinPath = Path.Combine(outputDirectory.FullName, "stdin");
            var stdoutPath = Path.Combine(outputDirectory.FullName, "stdout");
            var stderrPath = Path.Combine(outputDirectory.FullName, "stderr");
            File.WriteAllText(stdinPath, stdin ?? "");

            using var process = Start(
                program,
                arguments,
                environment,
                workingDirectory,
                stdinPath,
                stdoutPath,
                stderrPath
            );
            var exited = process.WaitForExit(timeout);
            if (!exited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }

            return new ProcessResult(
                exited ? process.ExitCode : -1,
                File.ReadAllText(stdoutPath),
                File.ReadAllText(stderrPath),
                TimedOut: !exited
            );
        }
        finally
        {
            outputDirectory.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Starts <paramref name="program"/> through /bin/sh, which redirects the standard streams to the
    /// given files and then replaces itself with the program, so the returned process is the program.
    /// </summary>
    public static Process Start(
        string program,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment,
        string? workingDirectory,
        string stdinPath,
        string stdoutPath,
        string stderrPath
    )
    {
        // The files exist before the program starts, so a caller can poll them at once.
        File.WriteAllText(stdoutPath, "");
        File.WriteAllText(stderrPath, "");

        var startInfo = new ProcessStartInfo("/bin/sh")
        {
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Directory.GetCurrentDirectory(),
        };
        // The paths travel as positional parameters, so the program's environment stays exactly
        // what the caller gave.
        startInfo.ArgumentList.Add("-c");
        startInfo.ArgumentList.Add("exec <\"$1\" >\"$2\" 2>\"$3\"; shift 3; exec \"$@\"");
        startInfo.ArgumentList.Add("sh");
        startInfo.ArgumentList.Add(stdinPath);
        startInfo.ArgumentList.Add(stdoutPath);
        startInfo.ArgumentList.Add(stderrPath);
        startInfo.ArgumentList.Add(program);
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.Environment.Clear();
        startInfo.Environment["PATH"] = DefaultPath;
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[name] = value;
        }

        return Process.Start(startInfo)
            ?? throw new InvalidOperationException($"Failed to start {program}.");
    }
}
