using System.Globalization;

namespace S3MountHook.Tests.Infrastructure;

/// <summary>Outcome of <see cref="Runc.Run(BusyboxBundle, string?, TimeSpan?)"/>.</summary>
/// <param name="ContainerId">The container id passed to runc.</param>
/// <param name="Process">Exit code and output of <c>runc run</c>: the container's exit code and output, or runc's error.</param>
public sealed record RuncRunResult(string ContainerId, ProcessResult Process)
{
    /// <summary>Exit code of <c>runc run</c>, which is the container process's exit code when it started.</summary>
    public int ExitCode => Process.ExitCode;

    /// <summary>The container's stdout.</summary>
    public string Stdout => Process.Stdout;

    /// <summary>The container's stderr followed by runc's own errors.</summary>
    public string Stderr => Process.Stderr;

    /// <summary>Describes the result for assertion messages.</summary>
    public override string ToString() => $"container {ContainerId}: {Process}";
}

/// <summary>
/// runc with a private state directory (<c>runc --root</c>), so tests never see or touch containers
/// of anything else on the machine. Dispose force-deletes every container it started.
/// </summary>
public sealed class Runc : IDisposable
{
    /// <summary>Deadline for one <c>runc run</c> when the caller gives none.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan CleanupTimeout = TimeSpan.FromSeconds(15);

    private readonly DirectoryInfo workDirectory = Directory.CreateTempSubdirectory("e2e-runc-");

    /// <summary>runc's state directory (--root).</summary>
    public string StateRoot => Path.Combine(workDirectory.FullName, "state");

    /// <summary>runc's own log file (--log), which records errors such as failed hooks.</summary>
    public string LogPath => Path.Combine(workDirectory.FullName, "runc.log");

    /// <summary>Returns a container id that no other test uses.</summary>
    public static string NewContainerId() =>
        "e2e-"
        + Random.Shared.Next(100_000_000, 999_999_999).ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Writes the bundle's config.json and runs <c>runc run</c> on it in the foreground, waiting at most
    /// <paramref name="timeout"/> (<see cref="DefaultTimeout"/> by default). On timeout runc is killed
    /// and the container force-deleted. <c>runc run</c> deletes the container itself when it exits.
    /// </summary>
    public RuncRunResult Run(
        BusyboxBundle bundle,
        string? containerId = null,
        TimeSpan? timeout = null
    )
    {
        bundle.Write();
        return Run(bundle.BundleDirectory, containerId, timeout);
    }

    /// <summary>Runs the bundle in <paramref name="bundleDirectory"/> as it is, like <see cref="Run(BusyboxBundle, string?, TimeSpan?)"/>.</summary>
    public RuncRunResult Run(
        string bundleDirectory,
        string? containerId = null,
        TimeSpan? timeout = null
    )
    {
        var id = containerId ?? NewContainerId();

        var result = ProcessRunner.Run(
            "runc",
            [.. GlobalArguments(), "run", "--bundle", bundleDirectory, id],
            timeout ?? DefaultTimeout
        );
        if (result.TimedOut)
        {
            Delete(id);
        }

        return new RuncRunResult(id, result);
    }

    /// <summary>Returns the ids of containers that exist in <see cref="StateRoot"/>.</summary>
    public IReadOnlyList<string> ListContainers() =>
        Directory.Exists(StateRoot)
            ?
            [
                .. Directory
                    .GetDirectories(StateRoot)
                    .Select(Path.GetFileName)
                    .OfType<string>()
                    .Order(StringComparer.Ordinal),
            ]
            : [];

    /// <summary>Kills the container with SIGKILL and deletes it (<c>runc delete -f</c>); a missing container is not an error.</summary>
    public ProcessResult Delete(string containerId) =>
        ProcessRunner.Run(
            "runc",
            [.. GlobalArguments(), "delete", "--force", containerId],
            CleanupTimeout
        );

    /// <summary>Force-deletes every container left in <see cref="StateRoot"/> and removes the state directory.</summary>
    public void Dispose()
    {
        foreach (var id in ListContainers())
        {
            Delete(id);
        }

        workDirectory.Delete(recursive: true);
    }

    private string[] GlobalArguments() => ["--root", StateRoot, "--log", LogPath];
}
