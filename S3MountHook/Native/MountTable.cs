using System.Globalization;
using System.Text;
using LanguageExt;
using LanguageExt.Common;
using S3MountHook.Errors;

namespace S3MountHook.Native;

/// <summary>One line of /proc/PID/mountinfo (proc(5)), with octal escapes decoded.</summary>
internal sealed record MountInfo(
    int MountId,
    int ParentId,
    string Device,
    string Root,
    string MountPoint,
    string MountOptions,
    IReadOnlyList<string> OptionalFields,
    string FileSystemType,
    string Source,
    string SuperOptions
);

/// <summary>Reads and queries the mount table of a process.</summary>
internal static class MountTable
{
    // Fields before the optional ones: mount ID, parent ID, major:minor, root, mount point and
    // mount options.
    private const int FixedFieldCount = 6;

    // Fields after the " - " separator: file system type, source, super options.
    private const int TrailingFieldCount = 3;

    /// <summary>Reads /proc/self/mountinfo, the mount namespace of the calling thread.</summary>
    public static Fin<IReadOnlyList<MountInfo>> ReadSelf() => Read("/proc/self/mountinfo");

    /// <summary>
    /// Reads the mount table of process <paramref name="pid"/>, seen from its mount namespace.
    /// </summary>
    public static Fin<IReadOnlyList<MountInfo>> ReadProcess(int pid) =>
        Read($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/mountinfo");

    /// <summary>
    /// Parses the whole text of a mountinfo file; a malformed line fails the parse.
    /// </summary>
    public static Fin<IReadOnlyList<MountInfo>> Parse(string text, string path)
    {
        var entries = new List<MountInfo>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var entry = ParseLine(line, path);
            if (entry.IsFail)
            {
                // Map keeps the failure and only changes the result type.
                return entry.Map(_ => (IReadOnlyList<MountInfo>)entries);
            }

            entries.Add((MountInfo)entry);
        }

        return entries;
    }

    /// <summary>Parses one mountinfo line.</summary>
    public static Fin<MountInfo> ParseLine(string line, string path)
    {
        var fields = line.Split(' ');
        var separator =
            fields.Length > FixedFieldCount ? Array.IndexOf(fields, "-", FixedFieldCount) : -1;
        if (separator < 0 || fields.Length != separator + 1 + TrailingFieldCount)
        {
            return Malformed(line, path, "no \" - \" separator followed by three fields");
        }

        if (!TryParseId(fields[0], out var id) || !TryParseId(fields[1], out var parent))
        {
            return Malformed(line, path, "the mount ID or parent ID is not a number");
        }

        return Build(fields, separator, id, parent);
    }

    /// <summary>
    /// Finds the mount visible at <paramref name="mountPoint"/>: when several mounts are stacked on
    /// the same path, the one that no other mount at that path sits on.
    /// </summary>
    public static Option<MountInfo> FindVisibleAt(IReadOnlyList<MountInfo> table, string mountPoint)
    {
        var stacked = table.Where(entry => entry.MountPoint == mountPoint).ToList();
        var covered = stacked.Select(entry => entry.ParentId).ToHashSet();
        return stacked.Find(entry => !covered.Contains(entry.MountId)) ?? Option<MountInfo>.None;
    }

    /// <summary>
    /// Reads the mount ID of an open descriptor from the "mnt_id:" line of /proc/self/fdinfo/N.
    /// Reading fdinfo sends nothing to the file system behind the descriptor, unlike stat, which on
    /// a FUSE mount waits for the daemon and can hang when the daemon does.
    /// </summary>
    public static Fin<int> MountIdOf(FileDescriptor descriptor)
    {
        var path = $"/proc/self/fdinfo/{descriptor.Number.ToString(CultureInfo.InvariantCulture)}";
        return ReadText(path).Bind(text => FindMountIdLine(text, path));
    }

    /// <summary>
    /// Decodes the octal escapes (\040 space, \011 tab, \012 newline, \134 backslash).
    /// </summary>
    public static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }

        var bytes = new List<byte>(field.Length);
        for (var i = 0; i < field.Length; i++)
        {
            if (IsOctalEscape(field, i))
            {
                bytes.Add(Convert.ToByte(field.Substring(i + 1, 3), 8));
                i += 3;
                continue;
            }

            bytes.AddRange(Encoding.UTF8.GetBytes(field[i].ToString()));
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static Fin<IReadOnlyList<MountInfo>> Read(string path) =>
        ReadText(path).Bind(text => Parse(text, path));

    private static Fin<string> ReadText(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (FileNotFoundException)
        {
            return SyscallError.From("open", path, Errno.ENOENT);
        }
        catch (DirectoryNotFoundException)
        {
            return SyscallError.From("open", path, Errno.ENOENT);
        }
        catch (UnauthorizedAccessException)
        {
            return SyscallError.From("open", path, Errno.EACCES);
        }
    }

    private static MountInfo Build(string[] fields, int separator, int id, int parent) =>
        new(
            id,
            parent,
            fields[2],
            Unescape(fields[3]),
            Unescape(fields[4]),
            Unescape(fields[5]),
            fields[FixedFieldCount..separator].Select(Unescape).ToArray(),
            Unescape(fields[separator + 1]),
            Unescape(fields[separator + 2]),
            Unescape(fields[separator + 3])
        );

    private static Fin<int> FindMountIdLine(string text, string path)
    {
        const string prefix = "mnt_id:";
        var line = text.Split('\n')
            .FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return line is not null && TryParseId(line[prefix.Length..].Trim(), out var id)
            ? id
            : HookError.New(
                HookErrorCode.MountNotFound,
                $"{path} has no mnt_id line. Linux 3.15 or later is required."
            );
    }

    private static bool IsOctalEscape(string field, int index) =>
        field[index] == '\\'
        && index + 3 < field.Length
        && field.AsSpan(index + 1, 3).IndexOfAnyExceptInRange('0', '7') < 0;

    private static bool TryParseId(string text, out int id) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out id);

    private static Error Malformed(string line, string path, string reason) =>
        HookError.New(
            HookErrorCode.MountNotFound,
            $"{path} contains a malformed line ({reason}): \"{line}\""
        );
}
