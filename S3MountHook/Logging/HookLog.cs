using System.Text.Json;

namespace S3MountHook.Logging;

/// <summary>
/// The operator's log: one JSON object per line with time, level, container id, stage and event.
/// Each line goes out in one append write, so concurrent hooks do not interleave. Callers pass
/// plain strings only, never a <see cref="Secrets.Secret"/> value. A log that cannot be written is
/// skipped, because logging must never stop a container from starting.
/// </summary>
internal sealed class HookLog
{
    /// <summary>Creates a log that appends to <paramref name="path"/>, or discards lines when it is null.</summary>
    public HookLog(string? path) => Path = path;

    /// <summary>The file lines are appended to; null discards them.</summary>
    public string? Path { get; set; }

    /// <summary>The container id added to every line once the state is parsed.</summary>
    public string? ContainerId { get; set; }

    /// <summary>The stage added to every line.</summary>
    public string Stage { get; set; } = "";

    /// <summary>Writes an informational event.</summary>
    public void Info(string @event, params (string Key, string Value)[] fields) =>
        Write("info", @event, fields);

    /// <summary>Writes an error event.</summary>
    public void Error(string @event, params (string Key, string Value)[] fields) =>
        Write("error", @event, fields);

    private void Write(string level, string @event, (string Key, string Value)[] fields)
    {
        if (Path is not { } path)
        {
            return;
        }

        try
        {
            Append(path, Format(level, @event, fields));
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // The log is best effort; the hook's result and its stderr line still carry the outcome.
        }
    }

    private byte[] Format(string level, string @event, (string Key, string Value)[] fields)
    {
        using var buffer = new MemoryStream();
        // The relaxed encoder escapes only what JSON requires, so times and messages stay readable
        // ("+00:00", "container's"); the log is never embedded in HTML.
        using (
            var json = new Utf8JsonWriter(
                buffer,
                new JsonWriterOptions
                {
                    Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
                }
            )
        )
        {
            json.WriteStartObject();
            json.WriteString(
                "time",
                DateTimeOffset.UtcNow.ToString(
                    "O",
                    System.Globalization.CultureInfo.InvariantCulture
                )
            );
            json.WriteString("level", level);
            json.WriteString("container", ContainerId);
            json.WriteString("stage", Stage);
            json.WriteString("event", @event);
            foreach (var (key, value) in fields)
            {
                json.WriteString(key, value);
            }

            json.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    private static void Append(string path, byte[] line)
    {
        Directory.CreateDirectory(
            System.IO.Path.GetDirectoryName(path) ?? "/",
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        );

        // O_NOFOLLOW: a log path that is a symbolic link is not written, so a user who can create
        // a link where the log goes cannot make root append to a file of their choosing.
        var opened = Native.Libc.OpenForStdio(
            path,
            Native.Libc.OWrOnly | Native.Libc.OCreat | Native.Libc.OAppend | Native.Libc.OCloexec,
            Native.UnixMode.OwnerReadWrite
        );
        if (opened.IsFail)
        {
            return;
        }

        using var handle = new Microsoft.Win32.SafeHandles.SafeFileHandle(
            (IntPtr)(int)opened,
            ownsHandle: true
        );
        using var file = new FileStream(handle, FileAccess.Write);
        file.Write(line);
    }
}
