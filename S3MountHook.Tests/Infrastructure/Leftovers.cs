using System.Globalization;
using Xunit;

namespace S3MountHook.Tests.Infrastructure;

/// <summary>A live process whose program is an S3 mounter or a FUSE helper.</summary>
/// <param name="Pid">Process id.</param>
/// <param name="StartTime">Start time in clock ticks since boot (field 22 of /proc/PID/stat), which distinguishes a reused pid.</param>
/// <param name="CommandLine">Arguments joined with spaces.</param>
public sealed record MounterProcess(int Pid, long StartTime, string CommandLine)
{
    /// <summary>Describes the process for assertion messages.</summary>
    public override string ToString() => $"pid {Pid}: {CommandLine}";
}

/// <summary>
/// A snapshot of what an S3 mount can leave behind: FUSE mounts in /proc/self/mountinfo, live mounter
/// processes (s3fs, rclone, mount-s3, the mount-s3 test double, fusermount), and file system entries
/// below watched directories. Take one before a test and call <see cref="AssertNothingNew"/> after it.
/// </summary>
/// <remarks>
/// Processes count by live state, not by name: a zombie (state Z or X) is dead even though its pid
/// stays listed, because daemons reparented to PID 1 are not always reaped on these machines.
/// </remarks>
public sealed class Leftovers
{
    private static readonly HashSet<string> MounterProgramNames = new(StringComparer.Ordinal)
    {
        "s3fs",
        "rclone",
        "mount-s3",
        "mount-s3-double",
        "fusermount",
        "fusermount3",
    };

    private readonly IReadOnlyList<string> watchedDirectories;

    private Leftovers(
        IReadOnlyList<string> watchedDirectories,
        IReadOnlySet<string> fuseMounts,
        IReadOnlyList<MounterProcess> mounterProcesses,
        IReadOnlySet<string> entries
    )
    {
        this.watchedDirectories = watchedDirectories;
        FuseMounts = fuseMounts;
        MounterProcesses = mounterProcesses;
        Entries = entries;
    }

    /// <summary>FUSE mounts as "MOUNT_POINT TYPE SOURCE" lines, with mountinfo's octal escapes.</summary>
    public IReadOnlySet<string> FuseMounts { get; }

    /// <summary>Live mounter processes.</summary>
    public IReadOnlyList<MounterProcess> MounterProcesses { get; }

    /// <summary>Full paths of every file and directory below the watched directories.</summary>
    public IReadOnlySet<string> Entries { get; }

    /// <summary>Records the current state; <paramref name="watchedDirectories"/> may not exist yet.</summary>
    public static Leftovers Take(params string[] watchedDirectories)
    {
        var directories = watchedDirectories.Select(Path.GetFullPath).ToList();
        var fuseMounts = ReadFuseMounts();
        return new Leftovers(
            directories,
            fuseMounts,
            ReadMounterProcesses(),
            ReadEntries(directories, fuseMounts)
        );
    }

    /// <summary>
    /// Waits up to <paramref name="settleTimeout"/> (5 s by default) for every FUSE mount, mounter
    /// process and entry that is not in this snapshot to disappear, and fails the test with a list of
    /// what remains. Mounters exit shortly after an unmount, hence the wait.
    /// </summary>
    public void AssertNothingNew(TimeSpan? settleTimeout = null)
    {
        IReadOnlyList<string> remaining = [];
        Poll.Until(
            () =>
            {
                remaining = FindNew();
                return remaining.Count == 0;
            },
            settleTimeout ?? TimeSpan.FromSeconds(5)
        );

        Assert.True(remaining.Count == 0, "Left behind:\n" + string.Join('\n', remaining));
    }

    /// <summary>Returns one line per FUSE mount, mounter process and entry that is new since this snapshot.</summary>
    public IReadOnlyList<string> FindNew()
    {
        var now = Take([.. watchedDirectories]);
        var knownProcesses = MounterProcesses
            .Select(process => (process.Pid, process.StartTime))
            .ToHashSet();
        var lines = new List<string>();
        lines.AddRange(now.FuseMounts.Except(FuseMounts).Select(mount => $"FUSE mount: {mount}"));
        lines.AddRange(
            now.MounterProcesses.Where(process =>
                    !knownProcesses.Contains((process.Pid, process.StartTime))
                )
                .Select(process => $"mounter process: {process}")
        );
        lines.AddRange(
            now.Entries.Except(Entries)
                .Order(StringComparer.Ordinal)
                .Select(entry => $"entry: {entry}")
        );
        return lines;
    }

    /// <summary>Returns true when <paramref name="path"/> is the mount point of a FUSE file system.</summary>
    public static bool IsFuseMountPoint(string path)
    {
        var escaped = EscapeMountInfoPath(Path.GetFullPath(path).TrimEnd('/'));
        return ReadFuseMounts()
            .Any(mount => mount.StartsWith(escaped + " ", StringComparison.Ordinal));
    }

    /// <summary>Returns true when process <paramref name="pid"/> exists and is neither a zombie nor dead.</summary>
    public static bool IsProcessLive(int pid) =>
        TryReadStat(pid, out var state, out _) && state is not ('Z' or 'X');

    /// <summary>Escapes a path the way the kernel writes it in /proc/self/mountinfo.</summary>
    public static string EscapeMountInfoPath(string path) =>
        path.Replace("\\", "\\134", StringComparison.Ordinal)
            .Replace(" ", "\\040", StringComparison.Ordinal)
            .Replace("\t", "\\011", StringComparison.Ordinal)
            .Replace("\n", "\\012", StringComparison.Ordinal);

    private static HashSet<string> ReadFuseMounts()
    {
        var mounts = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            // Fields: id parent major:minor root MOUNT_POINT options [optional...] - TYPE SOURCE super-options
            var fields = line.Split(' ');
            var separator = Array.IndexOf(fields, "-");
            if (separator < 0 || separator + 2 >= fields.Length)
            {
                continue;
            }

            var type = fields[separator + 1];
            // "fuse" and "fuse.SUBTYPE" are FUSE file systems. "fusectl" is the FUSE control file system.
            if (type == "fuse" || type.StartsWith("fuse.", StringComparison.Ordinal))
            {
                mounts.Add($"{fields[4]} {type} {fields[separator + 2]}");
            }
        }

        return mounts;
    }

    private static List<MounterProcess> ReadMounterProcesses()
    {
        var processes = new List<MounterProcess>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (
                !int.TryParse(
                    Path.GetFileName(directory),
                    NumberStyles.None,
                    CultureInfo.InvariantCulture,
                    out var pid
                )
            )
            {
                continue;
            }

            var arguments = ReadCommandLine(pid);
            if (
                !IsMounter(pid, arguments)
                || !TryReadStat(pid, out var state, out var startTime)
                || state is 'Z' or 'X'
            )
            {
                continue;
            }

            processes.Add(new MounterProcess(pid, startTime, string.Join(' ', arguments)));
        }

        return processes;
    }

    // A mounter is recognised by its executable, or by its first two arguments because the test
    // double runs as a script whose executable is bash.
    private static bool IsMounter(int pid, string[] arguments)
    {
        try
        {
            var executable = new FileInfo($"/proc/{pid}/exe").LinkTarget;
            if (
                executable is not null
                && MounterProgramNames.Contains(Path.GetFileName(executable))
            )
            {
                return true;
            }
        }
        catch (IOException)
        {
            // The process exited, or it is a kernel thread without an executable.
        }
        catch (UnauthorizedAccessException)
        {
            // Another user's process when the tests do not run as root.
        }

        return arguments
            .Take(2)
            .Any(argument => MounterProgramNames.Contains(Path.GetFileName(argument)));
    }

    private static string[] ReadCommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline")
                .Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (IOException)
        {
            return [];
        }
        catch (UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static bool TryReadStat(int pid, out char state, out long startTime)
    {
        state = '?';
        startTime = 0;
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return false;
        }

        // The command name in brackets may contain spaces and ')', so fields are counted after the last ')'.
        var afterName = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        state = afterName[0][0];
        // afterName[0] is field 3 (state), so field 22 (starttime) is afterName[19].
        startTime = long.Parse(afterName[19], CultureInfo.InvariantCulture);
        return true;
    }

    // Walks the directories without entering FUSE mount points, because a read below a mount whose
    // mounter hangs would hang the test too.
    private static HashSet<string> ReadEntries(
        IReadOnlyList<string> directories,
        HashSet<string> fuseMounts
    )
    {
        var fuseMountPoints = fuseMounts
            .Select(mount => mount[..mount.IndexOf(' ', StringComparison.Ordinal)])
            .ToHashSet();
        var entries = new HashSet<string>(StringComparer.Ordinal);
        var options = new EnumerationOptions { IgnoreInaccessible = true, AttributesToSkip = 0 };
        var pending = new Stack<string>(directories.Where(Directory.Exists));
        while (pending.Count > 0)
        {
            var directory = pending.Pop();
            IEnumerable<string> children;
            try
            {
                children = Directory.EnumerateFileSystemEntries(directory, "*", options).ToList();
            }
            catch (IOException)
            {
                // The directory disappeared, or it is a broken FUSE mount point.
                continue;
            }

            foreach (var child in children)
            {
                entries.Add(child);
                if (
                    !fuseMountPoints.Contains(EscapeMountInfoPath(child))
                    && IsDirectoryNotLink(child)
                )
                {
                    pending.Push(child);
                }
            }
        }

        return entries;
    }

    private static bool IsDirectoryNotLink(string path)
    {
        try
        {
            var info = new FileInfo(path);
            return info.Attributes.HasFlag(FileAttributes.Directory) && info.LinkTarget is null;
        }
        catch (IOException)
        {
            return false;
        }
    }
}
