using System.Globalization;

namespace S3MountHook.Native;

/// <summary>
/// A process identified by pid and start time, so that a recycled pid is never mistaken for the
/// mounter: the kernel's start time (clock ticks since boot) differs for every process that reuses it.
/// </summary>
internal sealed record ProcessIdentity(int Pid, ulong StartTime)
{
    /// <summary>Reads the identity of a live process, or null when it is gone.</summary>
    public static ProcessIdentity? Of(int pid) =>
        ReadStartTime(pid) is { } start ? new ProcessIdentity(pid, start) : null;

    /// <summary>Returns true while this exact process exists and has not exited (zombies count as exited).</summary>
    public bool IsAlive()
    {
        var stat = ReadStat(Pid);
        return stat is not null
            && ParseStartTime(stat) == StartTime
            && ParseState(stat) is not ('Z' or 'X');
    }

    private static ulong? ReadStartTime(int pid) =>
        ReadStat(pid) is { } stat ? ParseStartTime(stat) : null;

    private static string? ReadStat(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    // /proc/PID/stat: "pid (comm) state ppid ...". comm may contain spaces and ')', so fields are
    // counted from the last ')'. The state is field 3 and the start time field 22 (proc(5)).
    private static char? ParseState(string stat)
    {
        var fields = FieldsAfterName(stat);
        return fields.Length > 0 && fields[0].Length > 0 ? fields[0][0] : null;
    }

    private static ulong? ParseStartTime(string stat)
    {
        var fields = FieldsAfterName(stat);
        return
            fields.Length > 19
            && ulong.TryParse(
                fields[19],
                NumberStyles.None,
                CultureInfo.InvariantCulture,
                out var start
            )
            ? start
            : null;
    }

    private static string[] FieldsAfterName(string stat)
    {
        var close = stat.LastIndexOf(')');
        return close < 0
            ? []
            : stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }
}
