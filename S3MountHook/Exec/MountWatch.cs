using LanguageExt;
using S3MountHook.Native;

namespace S3MountHook.Exec;

/// <summary>
/// Checks the mount table for the mounter's FUSE mount. Reading /proc/self/mountinfo sends no
/// request to the FUSE daemon, unlike a stat of the path, which blocks while the daemon starts.
/// </summary>
internal static class MountWatch
{
    /// <summary>Returns true when the mount visible at exactly <paramref name="path"/> is FUSE ("fuse" or "fuse.*").</summary>
    public static bool IsFuseMountAt(string path) =>
        VisibleAt(path)
            .Exists(mount =>
                mount.FileSystemType == "fuse"
                || mount.FileSystemType.StartsWith("fuse.", StringComparison.Ordinal)
            );

    /// <summary>Returns true when any file system is mounted at exactly <paramref name="path"/>.</summary>
    public static bool IsMountPoint(string path) => VisibleAt(path).IsSome;

    private static Option<MountInfo> VisibleAt(string path) =>
        MountTable
            .ReadSelf()
            .Match(
                Succ: table => MountTable.FindVisibleAt(table, path),
                Fail: _ => Option<MountInfo>.None
            );
}
