namespace S3MountHook.Exec;

/// <summary>Checks the mount table for the mounter's FUSE mount.</summary>
internal static class MountWatch
{
    /// <summary>
    /// Returns true when /proc/self/mountinfo has a FUSE mount (fs type "fuse" or "fuse.*") at exactly
    /// <paramref name="path"/>. Reading the table sends no request to the FUSE daemon, unlike a stat
    /// of the path, which would block while the daemon is still starting.
    /// </summary>
    public static bool IsFuseMountAt(string path) => FindFsType(path) is { } type && (type == "fuse" || type.StartsWith("fuse.", StringComparison.Ordinal));

    /// <summary>Returns true when any file system is mounted at exactly <paramref name="path"/>.</summary>
    public static bool IsMountPoint(string path) => FindFsType(path) is not null;

    private static string? FindFsType(string path)
    {
        // TODO: replace with the shared mountinfo parser once it handles escapes.
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            var fields = line.Split(' ');
            var separator = Array.IndexOf(fields, "-");
            if (fields.Length > 4 && separator > 4 && separator + 1 < fields.Length
                && fields[4] == path)
            {
                return fields[separator + 1];
            }
        }

        return null;
    }
}
