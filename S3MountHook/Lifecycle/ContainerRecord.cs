using System.Text.Json;
using System.Text.Json.Serialization;
using LanguageExt;
using S3MountHook.Errors;
using S3MountHook.Native;
using static LanguageExt.Prelude;

namespace S3MountHook.Lifecycle;

/// <summary>
/// What prestart leaves for poststop and for the sweep of leftovers: one JSON file per container,
/// written before the mount is attached, so that a hook killed at any later point leaves enough
/// behind to undo its work. It contains no secret, because credential files are listed by path only.
/// </summary>
internal sealed record ContainerRecord(
    int Version,
    string ContainerId,
    int ContainerPid,
    ulong ContainerStartTime,
    string Mounter,
    string Program,
    int MounterPid,
    ulong MounterStartTime,
    string ContainerDirectory,
    string StagingPath,
    string Target,
    string Bucket,
    string Prefix,
    IReadOnlyList<string> Files,
    DateTimeOffset CreatedAt
)
{
    /// <summary>File name of the record inside the container's state directory.</summary>
    public const string FileName = "record.json";

    /// <summary>The record format written by this version of the hook.</summary>
    public const int CurrentVersion = 1;

    /// <summary>The mounter as a process identity, matched by pid and start time.</summary>
    [JsonIgnore]
    public ProcessIdentity MounterProcess => new(MounterPid, MounterStartTime);

    /// <summary>The container's init process at prestart; once it is gone, so is the container.</summary>
    [JsonIgnore]
    public ProcessIdentity ContainerProcess => new(ContainerPid, ContainerStartTime);

    /// <summary>Writes the record atomically: a 0600 temporary file renamed over the old one.</summary>
    public Fin<Unit> Write()
    {
        var path = Path.Join(ContainerDirectory, FileName);
        var temporary = path + ".tmp";
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.Create,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            };
            using (var file = new FileStream(temporary, options))
            {
                JsonSerializer.Serialize(file, this, RecordContext.Default.ContainerRecord);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
            return unit;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return FinFail<Unit>(
                HookError.New(
                    HookErrorCode.RecordInvalid,
                    $"cannot write state record {path}: {error.Message}"
                )
            );
        }
    }

    /// <summary>Reads the record in a container directory; None when there is none.</summary>
    public static Fin<Option<ContainerRecord>> Read(string containerDirectory)
    {
        var path = Path.Join(containerDirectory, FileName);
        try
        {
            var bytes = File.ReadAllBytes(path);
            var record = JsonSerializer.Deserialize(bytes, RecordContext.Default.ContainerRecord);
            return record is { Version: CurrentVersion }
                ? Some(record)
                : FinFail<Option<ContainerRecord>>(Invalid(path, "has an unknown version"));
        }
        catch (Exception error) when (error is FileNotFoundException or DirectoryNotFoundException)
        {
            return Option<ContainerRecord>.None;
        }
        catch (JsonException error)
        {
            return FinFail<Option<ContainerRecord>>(
                Invalid(path, $"is not valid JSON ({ExceptionText.Describe(error)})")
            );
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return FinFail<Option<ContainerRecord>>(
                Invalid(path, $"cannot be read ({ExceptionText.Describe(error)})")
            );
        }
    }

    private static LanguageExt.Common.Error Invalid(string path, string problem) =>
        HookError.New(
            HookErrorCode.RecordInvalid,
            $"state record {path} {problem}; run \"s3mounthook gc\" to clean it up"
        );
}

/// <summary>Source-generated serializer for <see cref="ContainerRecord"/>.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true
)]
[JsonSerializable(typeof(ContainerRecord))]
internal sealed partial class RecordContext : JsonSerializerContext;
