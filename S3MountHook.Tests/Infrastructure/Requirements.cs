namespace S3MountHook.Tests.Infrastructure;

/// <summary>What an end-to-end test needs from the machine.</summary>
[Flags]
public enum Requires
{
    /// <summary>Nothing beyond the test process.</summary>
    None = 0,

    /// <summary>Effective user id 0.</summary>
    Root = 1,

    /// <summary>The /dev/fuse character device.</summary>
    Fuse = 2,

    /// <summary>runc on PATH.</summary>
    Runc = 4,

    /// <summary>s3fs on PATH.</summary>
    S3fs = 8,

    /// <summary>rclone on PATH.</summary>
    Rclone = 16,

    /// <summary>curl on PATH (the mount-s3 test double sends its bucket check with curl).</summary>
    Curl = 32,

    /// <summary>node on PATH and the s3rver package installed under scripts/s3-server.</summary>
    S3Server = 64,

    /// <summary>busybox-static installed at /bin/busybox.</summary>
    Busybox = 128,

    /// <summary>podman on PATH.</summary>
    Podman = 256,

    /// <summary>Everything a runc container with an S3 mount needs: root, FUSE, runc, busybox and the S3 server.</summary>
    ContainerWithS3 = Root | Fuse | Runc | Busybox | S3Server,
}

/// <summary>
/// Checks <see cref="Requires"/> flags against this machine and returns the reason to skip a test.
/// </summary>
public static class Requirements
{
    /// <summary>
    /// Environment variable that, when set to "true", turns every skip into a run, so a missing tool
    /// fails the test instead of hiding it. CI sets it because CI installs every requirement.
    /// </summary>
    public const string RequireAllVariable = "S3MOUNTHOOK_E2E_REQUIRED";

    /// <summary>Path of the statically linked busybox that container bundles copy.</summary>
    public const string BusyboxPath = "/bin/busybox";

    /// <summary>True when <see cref="RequireAllVariable"/> is "true".</summary>
    public static bool AllRequired =>
        string.Equals(
            Environment.GetEnvironmentVariable(RequireAllVariable),
            "true",
            StringComparison.OrdinalIgnoreCase
        );

    /// <summary>Returns why a test that needs <paramref name="requirements"/> cannot run here, or null when it can.</summary>
    public static string? SkipReason(Requires requirements)
    {
        var reasons = new List<string>();
        if (requirements.HasFlag(Requires.Root) && EffectiveUserId() != 0)
        {
            reasons.Add($"needs root, but the effective user id is {EffectiveUserId()}");
        }

        if (requirements.HasFlag(Requires.Fuse) && !File.Exists("/dev/fuse"))
        {
            reasons.Add("needs /dev/fuse, which is missing");
        }

        AddMissingTool(reasons, requirements, Requires.Runc, "runc");
        AddMissingTool(reasons, requirements, Requires.S3fs, "s3fs");
        AddMissingTool(reasons, requirements, Requires.Rclone, "rclone");
        AddMissingTool(reasons, requirements, Requires.Curl, "curl");
        AddMissingTool(reasons, requirements, Requires.Podman, "podman");

        if (requirements.HasFlag(Requires.S3Server))
        {
            if (FindOnPath("node") is null)
            {
                reasons.Add("needs node on PATH for the S3 server");
            }
            else if (
                !Directory.Exists(
                    Path.Combine(RepositoryPaths.S3ServerDirectory, "node_modules", "s3rver")
                )
            )
            {
                reasons.Add(
                    $"needs s3rver installed: run `npm ci` in {RepositoryPaths.S3ServerDirectory}"
                );
            }
        }

        if (requirements.HasFlag(Requires.Busybox) && !File.Exists(BusyboxPath))
        {
            reasons.Add($"needs busybox-static at {BusyboxPath}");
        }

        return reasons.Count == 0 ? null : string.Join("; ", reasons);
    }

    /// <summary>Returns the full path of <paramref name="program"/> on PATH, or null when it is not there.</summary>
    public static string? FindOnPath(string program)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? ProcessRunner.DefaultPath;
        foreach (var directory in path.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Reads the effective user id from the Uid line of /proc/self/status.</summary>
    public static int EffectiveUserId()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("Uid:", StringComparison.Ordinal))
            {
                // The line is "Uid: real effective saved filesystem".
                var fields = line.Split(['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
                return int.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException("/proc/self/status has no Uid line.");
    }

    private static void AddMissingTool(
        List<string> reasons,
        Requires requirements,
        Requires flag,
        string program
    )
    {
        if (requirements.HasFlag(flag) && FindOnPath(program) is null)
        {
            reasons.Add($"needs {program} on PATH");
        }
    }
}
