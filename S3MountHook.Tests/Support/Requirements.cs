using Xunit;

namespace S3MountHook.Tests.Support;

/// <summary>Why a test cannot run on this machine, or null when it can.</summary>
internal static class Requirements
{
    /// <summary>The reason to skip tests that compile C against the system headers.</summary>
    public static string? MissingCompiler() =>
        Commands.Exists("gcc") ? null : "gcc is not installed, so the C headers cannot be read";

    /// <summary>
    /// The reason to skip tests that mount file systems and join mount namespaces.
    /// </summary>
    public static string? MissingMountPrivileges()
    {
        if (Environment.UserName != "root" && !IsEffectiveRoot())
        {
            return "mount and setns need root";
        }

        if (!File.Exists("/dev/fuse"))
        {
            return "/dev/fuse is missing, so this kernel may lack FUSE";
        }

        return Commands.Exists("unshare") ? null : "unshare from util-linux is not installed";
    }

    /// <summary>The reason to skip tests that mount a real FUSE file system with rclone.</summary>
    public static string? MissingRclone() =>
        MissingMountPrivileges()
        ?? (Commands.Exists("rclone") ? null : "rclone is not installed, so no FUSE server exists");

    private static bool IsEffectiveRoot() =>
        File.ReadLines("/proc/self/status")
            .Where(line => line.StartsWith("Uid:", StringComparison.Ordinal))
            .Any(line => line.Split('\t')[2] == "0");
}

/// <summary>A theory that runs only where gcc is installed.</summary>
public sealed class GccTheoryAttribute : TheoryAttribute
{
    public GccTheoryAttribute() => Skip = Requirements.MissingCompiler();
}

/// <summary>A fact that runs only as root with FUSE and util-linux present.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute() => Skip = Requirements.MissingMountPrivileges();
}

/// <summary>A theory that runs only as root with FUSE and util-linux present.</summary>
public sealed class RootTheoryAttribute : TheoryAttribute
{
    public RootTheoryAttribute() => Skip = Requirements.MissingMountPrivileges();
}

/// <summary>A fact that runs only as root with FUSE, util-linux and rclone present.</summary>
public sealed class RcloneFactAttribute : FactAttribute
{
    public RcloneFactAttribute() => Skip = Requirements.MissingRclone();
}
