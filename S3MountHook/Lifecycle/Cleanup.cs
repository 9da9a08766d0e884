using LanguageExt;
using LanguageExt.Common;
using S3MountHook.Errors;
using S3MountHook.Exec;
using S3MountHook.Native;
using static LanguageExt.Prelude;

namespace S3MountHook.Lifecycle;

/// <summary>
/// Undoes a container's mount: unmounts the staging path, stops the mounter, removes the
/// container's files and directories. Every step is idempotent, so poststop can run twice, run
/// without a prestart, or finish what a killed hook left.
/// </summary>
internal static class Cleanup
{
    // How long a mounter gets to exit on its own after its mount is gone, then after SIGTERM.
    private static readonly TimeSpan ExitGrace = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>Removes everything the hook made for one container; returns what failed.</summary>
    public static IReadOnlyList<Error> Container(string containerDirectory, string stagingPath)
    {
        var failures = new List<Error>();
        var record = ContainerRecord.Read(containerDirectory);
        record.IfFail(failures.Add);

        // The record names the staging path prestart used; the caller's comes from the current config,
        // which may have changed since.
        var recorded = record.Match(
            Succ: found => found.Map(r => r.StagingPath).IfNoneUnsafe(() => null),
            Fail: _ => null
        );
        var stagingPaths = new[] { stagingPath, recorded }
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .ToList();
        stagingPaths.ForEach(path => Collect(failures, UnmountAll(path)));

        // The launcher's pid file names the mounter when a killed hook wrote no record.
        var recordedMounter = record.Match(
            Succ: found => found.Map(r => r.MounterProcess).IfNoneUnsafe(() => null),
            Fail: _ => null
        );
        var mounters = new[] { recordedMounter, MounterLauncher.ReadPidFile(containerDirectory) }
            .OfType<ProcessIdentity>()
            .Distinct();
        foreach (var mounter in mounters)
        {
            Collect(failures, StopMounter(mounter));
        }

        stagingPaths.ForEach(path => Collect(failures, RemoveDirectory(path, recursive: false)));
        Collect(failures, RemoveDirectory(containerDirectory, recursive: true));
        return failures;
    }

    /// <summary>Detaches every mount stacked on <paramref name="path"/>; nothing mounted is success.</summary>
    public static Fin<Unit> UnmountAll(string path)
    {
        // A path can hold several mounts on top of each other; each detach removes the top one.
        for (var attempt = 0; attempt < 16 && MountWatch.IsMountPoint(path); attempt++)
        {
            var detached = Libc.UnmountDetached(path);
            if (detached.IsFail)
            {
                return detached;
            }
        }

        return unit;
    }

    /// <summary>
    /// Waits for the mounter to exit after its mount is gone, then sends SIGTERM and finally SIGKILL.
    /// The process is matched by pid and start time, never by name.
    /// </summary>
    public static Fin<Unit> StopMounter(ProcessIdentity mounter)
    {
        if (WaitForExit(mounter, ExitGrace))
        {
            return unit;
        }

        foreach (var signal in new[] { Libc.SigTerm, Libc.SigKill })
        {
            var sent = Libc.Kill(mounter.Pid, signal);
            if (sent.IsFail)
            {
                return sent;
            }

            if (WaitForExit(mounter, ExitGrace))
            {
                return unit;
            }
        }

        return FinFail<Unit>(
            Error.New($"mounter pid {mounter.Pid} is still running after SIGKILL")
        );
    }

    /// <summary>Removes a directory if it exists and is not a mount point or a symbolic link.</summary>
    public static Fin<Unit> RemoveDirectory(string path, bool recursive)
    {
        try
        {
            var directory = new DirectoryInfo(path);
            if (!directory.Exists)
            {
                return unit;
            }

            if (directory.LinkTarget is not null || MountWatch.IsMountPoint(path))
            {
                return FinFail<Unit>(
                    Error.New($"{path} is a symbolic link or still a mount point; left in place")
                );
            }

            directory.Delete(recursive);
            return unit;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return FinFail<Unit>(
                Error.New($"cannot remove {path}: {ExceptionText.Describe(error)}")
            );
        }
    }

    private static bool WaitForExit(ProcessIdentity process, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        using var tick = new ManualResetEventSlim(false);
        while (process.IsAlive())
        {
            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }

            // /proc offers no wait for a process that is not our child; poll its state.
            tick.Wait(PollInterval);
        }

        return true;
    }

    private static void Collect(List<Error> failures, Fin<Unit> result) =>
        result.IfFail(failures.Add);
}
