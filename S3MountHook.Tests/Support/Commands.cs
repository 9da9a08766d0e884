using System.Diagnostics;

namespace S3MountHook.Tests.Support;

/// <summary>Runs helper programs for tests and finds them on PATH.</summary>
internal static class Commands
{
    /// <summary>
    /// Runs a program to completion and returns its stdout; a non-zero exit throws.
    /// </summary>
    public static string Run(string program, params string[] arguments)
    {
        using var process = Process.Start(StartInfo(program, arguments))
            ?? throw new InvalidOperationException($"{program} did not start");
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            var message = $"{program} exited with {process.ExitCode}: {error}";
            throw new InvalidOperationException(message);
        }

        return output;
    }

    /// <summary>
    /// Returns true when <paramref name="program"/> is an executable file on PATH.
    /// </summary>
    public static bool Exists(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(directory => File.Exists(Path.Combine(directory, program)));

    public static ProcessStartInfo StartInfo(string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return info;
    }
}
