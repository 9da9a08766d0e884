using LanguageExt;
using S3MountHook.Config;
using S3MountHook.Exec;
using S3MountHook.Logging;
using S3MountHook.Plan;

namespace S3MountHook.Lifecycle;

/// <summary>The health of one managed mount.</summary>
internal enum MountHealth
{
    /// <summary>The mounter runs and its FUSE mount is in place.</summary>
    Alive,

    /// <summary>The container runs but its mounter died or its mount is gone: reads fail.</summary>
    Broken,

    /// <summary>The container is gone and poststop did not clean up; the sweep removes it.</summary>
    Orphaned,
}

/// <summary>One container directory and what its record and the process table show.</summary>
internal sealed record ManagedMount(
    string ContainerId,
    string Directory,
    ContainerRecord? Record,
    MountHealth Health,
    string Reason
);

/// <summary>
/// Lists the mounts the hook manages and sweeps what earlier runs left behind: records whose
/// container is gone, dead FUSE mounts, orphaned mounters (matched by pid and start time, never
/// by name), directories and credential files without a record.
/// </summary>
internal static class ManagedMounts
{
    /// <summary>
    /// A container directory without a record is a prestart in progress or a killed one. A look
    /// without the container's lock (status) counts it as left behind only when it is older than
    /// this, longer than any prestart may run.
    /// </summary>
    public static readonly TimeSpan AbandonedAfter = TimeSpan.FromMinutes(11);

    /// <summary>Inspects every container directory under the config's state directory.</summary>
    public static IReadOnlyList<ManagedMount> List(HookConfig config)
    {
        var containers = Path.GetDirectoryName(PlanBuilder.ContainerDirectory(config, "x"))!;
        if (!System.IO.Directory.Exists(containers))
        {
            return [];
        }

        return System
            .IO.Directory.EnumerateDirectories(containers)
            .Order(StringComparer.Ordinal)
            .Select(Inspect)
            .ToList();
    }

    /// <summary>Inspects one container directory.</summary>
    public static ManagedMount Inspect(string directory) => Inspect(directory, lockHeld: false);

    /// <summary>
    /// Inspects one container directory. With <paramref name="lockHeld"/>, the caller holds the
    /// container's lock. Every prestart holds that lock from before it creates the directory until
    /// it has written the record or removed everything, so a directory without a record is then
    /// left by a hook that was killed.
    /// </summary>
    private static ManagedMount Inspect(string directory, bool lockHeld)
    {
        var id = Path.GetFileName(directory);
        return ContainerRecord
            .Read(directory)
            .Match(
                Succ: found =>
                    found.Match(
                        Some: record => Judge(id, directory, record),
                        None: () => WithoutRecord(id, directory, lockHeld)
                    ),
                Fail: error => new ManagedMount(
                    id,
                    directory,
                    null,
                    MountHealth.Broken,
                    error.Message
                )
            );
    }

    private static ManagedMount Judge(string id, string directory, ContainerRecord record)
    {
        if (!record.ContainerProcess.IsAlive())
        {
            return new ManagedMount(
                id,
                directory,
                record,
                MountHealth.Orphaned,
                "the container's process is gone"
            );
        }

        if (!record.MounterProcess.IsAlive())
        {
            return new ManagedMount(
                id,
                directory,
                record,
                MountHealth.Broken,
                $"mounter pid {record.MounterPid} is gone"
            );
        }

        return MountWatch.IsFuseMountAt(record.StagingPath)
            ? new ManagedMount(id, directory, record, MountHealth.Alive, "mounted")
            : new ManagedMount(
                id,
                directory,
                record,
                MountHealth.Broken,
                $"no FUSE mount at {record.StagingPath}"
            );
    }

    private static ManagedMount WithoutRecord(string id, string directory, bool lockHeld)
    {
        if (lockHeld)
        {
            return new ManagedMount(
                id,
                directory,
                null,
                MountHealth.Orphaned,
                "no record and no hook holds its lock: left by a hook that was killed"
            );
        }

        var age = DateTime.UtcNow - System.IO.Directory.GetLastWriteTimeUtc(directory);
        return age > AbandonedAfter
            ? new ManagedMount(
                id,
                directory,
                null,
                MountHealth.Orphaned,
                "no record, left by a hook that did not finish"
            )
            : new ManagedMount(
                id,
                directory,
                null,
                MountHealth.Broken,
                "no record yet: a prestart may be in progress"
            );
    }

    /// <summary>
    /// Removes every orphaned container and logs every broken one. Containers locked by another
    /// hook are skipped. Returns the ids removed.
    /// </summary>
    public static IReadOnlyList<string> Sweep(HookConfig config, HookLog log)
    {
        var removed = new List<string>();
        foreach (var mount in List(config))
        {
            using var locked = ContainerLock.TryAcquire(mount.Directory).IfNoneUnsafe(() => null!);
            if (locked is null || mount.Health == MountHealth.Alive)
            {
                continue;
            }

            // Judge again under the lock: the first look raced any hook that finished meanwhile.
            var current = Inspect(mount.Directory, lockHeld: true);
            if (current.Health == MountHealth.Broken)
            {
                ReportBrokenOnce(current, log);
                continue;
            }

            if (current.Health == MountHealth.Orphaned)
            {
                var staging = current.Record?.StagingPath
                    ?? Path.Join(config.HostMountpoint, current.ContainerId);
                foreach (var failure in Cleanup.Container(current.Directory, staging))
                {
                    log.Error(
                        "sweep-failed",
                        ("subject", current.ContainerId),
                        ("error", failure.Message)
                    );
                }

                locked.RemoveFile();
                log.Info("swept", ("subject", current.ContainerId), ("reason", current.Reason));
                removed.Add(current.ContainerId);
            }
        }

        removed.AddRange(SweepStrayStaging(config, log));
        return removed;
    }

    /// <summary>
    /// Logs a broken mount once: every prestart and gc sweeps, and the same line each time would
    /// bury other events. A marker file in the container's directory goes with it at poststop.
    /// </summary>
    private static void ReportBrokenOnce(ManagedMount mount, HookLog log)
    {
        var marker = Path.Join(mount.Directory, BrokenMarker);
        if (File.Exists(marker))
        {
            return;
        }

        log.Error("mount-broken", ("subject", mount.ContainerId), ("reason", mount.Reason));
        try
        {
            File.WriteAllText(marker, mount.Reason);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // Without the marker the next sweep logs the mount again, which is harmless.
        }
    }

    /// <summary>Name of the file that marks a broken mount as already logged.</summary>
    internal const string BrokenMarker = "broken.logged";

    /// <summary>
    /// Removes staging directories (and any mount on them) whose container directory is gone, as a
    /// hook killed during its rollback leaves them. Prestart creates the container directory before
    /// the staging one and holds the container's lock throughout, so a staging directory without a
    /// container directory, seen under that lock, belongs to no running hook.
    /// </summary>
    private static List<string> SweepStrayStaging(HookConfig config, HookLog log)
    {
        var removed = new List<string>();
        if (!System.IO.Directory.Exists(config.HostMountpoint))
        {
            return removed;
        }

        foreach (var staging in System.IO.Directory.EnumerateDirectories(config.HostMountpoint))
        {
            var id = Path.GetFileName(staging);
            var directory = PlanBuilder.ContainerDirectory(config, id);
            using var locked = ContainerLock.TryAcquire(directory).IfNoneUnsafe(() => null!);
            // Only what the hook could have made there: an empty directory or one with a FUSE mount.
            var ours = !MountWatch.IsMountPoint(staging) || MountWatch.IsFuseMountAt(staging);
            if (locked is null || System.IO.Directory.Exists(directory) || !ours)
            {
                continue;
            }

            var result = Cleanup
                .UnmountAll(staging)
                .Bind(_ => Cleanup.RemoveDirectory(staging, recursive: false));
            result.Match(
                Succ: _ =>
                {
                    log.Info(
                        "swept",
                        ("subject", id),
                        ("reason", "staging directory without a container directory")
                    );
                    removed.Add(id);
                },
                Fail: error => log.Error("sweep-failed", ("subject", id), ("error", error.Message))
            );
            locked.RemoveFile();
        }

        return removed;
    }
}
