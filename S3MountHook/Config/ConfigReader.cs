using System.Text.Json;
using LanguageExt;
using LanguageExt.Common;
using S3MountHook.Errors;
using S3MountHook.Plan;
using static LanguageExt.Prelude;

namespace S3MountHook.Config;

/// <summary>
/// Reads the hook config strictly: unknown fields, wrong types and out-of-range values are errors
/// that name the field, because a typo in a security setting must not silently fall back to a default.
/// </summary>
internal static class ConfigReader
{
    /// <summary>Largest config file accepted, in bytes.</summary>
    public const int MaxBytes = 64 * 1024;

    private static readonly string[] StateEntries = ["", "/containers", "/locks"];

    private static readonly string[] Required =
    [
        "activation_flag",
        "program_path",
        "host_mountpoint",
        "container_mountpoint",
    ];

    /// <summary>Reads and parses the config file at <paramref name="path"/>.</summary>
    public static Fin<HookConfig> Read(string path)
    {
        try
        {
            using var file = File.OpenRead(path);
            var trusted = FileTrust.Check(file.SafeFileHandle, path, "hook config");
            if (trusted.IsFail)
            {
                return trusted.Match(Succ: _ => HookConfig.Defaults, Fail: FinFail<HookConfig>);
            }

            if (file.Length > MaxBytes)
            {
                return FinFail<HookConfig>(
                    HookError.New(
                        HookErrorCode.InputTooLarge,
                        $"hook config {path} is larger than {MaxBytes} bytes; check that --config names the hook config"
                    )
                );
            }

            var bytes = new byte[file.Length];
            file.ReadExactly(bytes);
            return Parse(path, bytes);
        }
        catch (Exception error) when (error is FileNotFoundException or DirectoryNotFoundException)
        {
            return Invalid(path, "does not exist; install it or pass --config PATH");
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return Invalid(path, $"cannot be read ({ExceptionText.Describe(error)})");
        }
    }

    /// <summary>Parses config JSON; <paramref name="path"/> is only used in messages.</summary>
    public static Fin<HookConfig> Parse(string path, ReadOnlySpan<byte> json)
    {
        // JsonDocument accepts invalid UTF-8 inside a string and GetString then throws
        // InvalidOperationException, so the bytes are checked before parsing.
        if (!System.Text.Unicode.Utf8.IsValid(json))
        {
            return Invalid(path, "is not valid UTF-8");
        }

        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 4 });
            using var document = JsonDocument.ParseValue(ref reader);
            return document.RootElement.ValueKind == JsonValueKind.Object
                ? FromObject(path, document.RootElement)
                : Invalid(path, "must contain one JSON object");
        }
        catch (JsonException error)
        {
            return Invalid(path, $"is not valid JSON (line {error.LineNumber + 1})");
        }
        catch (InvalidOperationException)
        {
            // JsonDocument checks only the structure. Reading a string or field name that holds
            // invalid UTF-8 or an unpaired surrogate escape such as \ud800 throws this instead.
            return Invalid(
                path,
                "contains a string that is not valid UTF-8 or has an unpaired \\u surrogate escape"
            );
        }
    }

    private static Fin<HookConfig> FromObject(string path, JsonElement root)
    {
        var missing = Required.FirstOrDefault(name => !root.TryGetProperty(name, out _));
        if (missing is not null)
        {
            return Invalid(path, $"lacks the required field \"{missing}\"");
        }

        var config = HookConfig.Defaults;
        var seen = new System.Collections.Generic.HashSet<string>(StringComparer.Ordinal);
        foreach (var property in root.EnumerateObject())
        {
            // JSON allows a repeated name and System.Text.Json keeps both; one of them would be ignored.
            if (!seen.Add(property.Name))
            {
                return Invalid(
                    path,
                    $"sets the field \"{InputRules.Shorten(property.Name)}\" twice; keep one"
                );
            }

            var applied = Apply(config, property);
            if (applied.IsFail)
            {
                return applied.Match(Succ: FinSucc, Fail: error =>
                    FinFail<HookConfig>(Wrap(path, error))
                );
            }

            config = (HookConfig)applied;
        }

        // The state directory contains "containers", "locks" and the log, so staging mounts named
        // after container ids must not land among them.
        var reserved = StateEntries.Select(entry => config.StateDirectory + entry);
        return reserved.Contains(config.HostMountpoint, StringComparer.Ordinal)
            ? Invalid(
                path,
                $"sets host_mountpoint to {config.HostMountpoint}, which state_directory uses; choose a separate directory such as {config.StateDirectory}/mounts"
            )
            : config;
    }

    private static Fin<HookConfig> Apply(HookConfig config, JsonProperty field) =>
        field.Name switch
        {
            "activation_flag" => Text(field)
                .Bind(VariableName)
                .Map(v => config with { ActivationFlag = v }),
            "program_path" => Text(field)
                .Bind(v => AbsolutePath(field.Name, v))
                .Map(v => config with { ProgramPath = v }),
            "host_mountpoint" => Text(field)
                .Bind(v => Directory(field.Name, v))
                .Map(v => config with { HostMountpoint = v }),
            "container_mountpoint" => Text(field)
                .Bind(v => InputRules.Target(field.Name, v))
                .Map(v => config with { ContainerMountpoint = v }),
            "mounter" => Text(field).Bind(ParseMounter).Map(v => config with { Mounter = v }),
            "state_directory" => Text(field)
                .Bind(v => Directory(field.Name, v))
                .Map(v => config with { StateDirectory = v }),
            "mount_timeout_seconds" => Integer(field, 1, 600)
                .Map(v => config with { MountTimeoutSeconds = v }),
            "log_path" => field.Value.ValueKind == JsonValueKind.Null
                ? config with
                {
                    LogPath = null,
                }
                : Text(field)
                    .Bind(v => AbsolutePath(field.Name, v))
                    .Map(v => config with { LogPath = v }),
            "on_failure" => Text(field).Bind(ParsePolicy).Map(v => config with { OnFailure = v }),
            "allow_instance_credentials" => Boolean(field)
                .Map(v => config with { AllowInstanceCredentials = v }),
            "force_path_style" => Boolean(field).Map(v => config with { ForcePathStyle = v }),
            "read_only" => Boolean(field).Map(v => config with { ReadOnly = v }),
            "allow_other" => Boolean(field).Map(v => config with { AllowOther = v }),
            "default_region" => Text(field)
                .Bind(v => InputRules.Region(field.Name, v))
                .Map(v => config with { DefaultRegion = v }),
            "allowed_endpoint_hosts" => HostList(field)
                .Map(v => config with { AllowedEndpointHosts = v }),
            _ => Field(field.Name, "is not a known field; remove it or check its spelling"),
        };

    private static Fin<string> Text(JsonProperty field) =>
        field.Value.ValueKind == JsonValueKind.String
            ? FinSucc(field.Value.GetString()!)
            : Field(field.Name, $"must be a string, not {Kind(field.Value)}");

    private static Fin<System.Collections.Immutable.ImmutableArray<string>> HostList(
        JsonProperty field
    )
    {
        if (field.Value.ValueKind != JsonValueKind.Array)
        {
            return Field(field.Name, $"must be a list of host names, not {Kind(field.Value)}");
        }

        var hosts = System.Collections.Immutable.ImmutableArray.CreateBuilder<string>();
        foreach (var item in field.Value.EnumerateArray())
        {
            var host = item.ValueKind == JsonValueKind.String ? item.GetString()! : "";
            if (
                host.Length is 0 or > 253
                || !host.All(c =>
                    char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or ':' or '[' or ']'
                )
            )
            {
                return Field(
                    field.Name,
                    "must list host names or IP addresses, such as \"s3.internal\" or \"127.0.0.1\""
                );
            }

            hosts.Add(host.ToLowerInvariant());
        }

        return FinSucc(hosts.ToImmutable());
    }

    private static Fin<bool> Boolean(JsonProperty field) =>
        field.Value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => Field(field.Name, $"must be true or false, not {Kind(field.Value)}"),
        };

    private static Fin<int> Integer(JsonProperty field, int min, int max) =>
        field.Value.ValueKind == JsonValueKind.Number
        && field.Value.TryGetInt32(out var value)
        && value >= min
        && value <= max
            ? value
            : Field(field.Name, $"must be a whole number from {min} to {max}");

    private static Fin<string> VariableName(string value)
    {
        var valid =
            value.Length is >= 1 and <= 255
            && (char.IsAsciiLetter(value[0]) || value[0] == '_')
            && value.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
        return valid
            ? FinSucc(value)
            : Field("activation_flag", "must be an environment variable name such as S3_MOUNT");
    }

    private static Fin<string> AbsolutePath(string name, string value) =>
        value.Length > 0 && value[0] == '/' && !value.Any(char.IsControl)
            ? FinSucc(value)
            : Field(name, $"must be an absolute path, not \"{InputRules.Shorten(value)}\"");

    private static Fin<string> Directory(string name, string value) =>
        AbsolutePath(name, value)
            .Bind(path =>
                Path.TrimEndingDirectorySeparator(path) is "/" or ""
                || path.Split('/').Any(part => part is "." or "..")
                    ? Field(name, "must be a directory below \"/\" without \".\" or \"..\"")
                    : Fin<string>.Succ(Path.TrimEndingDirectorySeparator(path))
            );

    private static Fin<MounterKind> ParseMounter(string value) =>
        MounterNames.Parse(value) is { } kind
            ? kind
            : Field(
                "mounter",
                $"must be {MounterNames.Listed}, not \"{InputRules.Shorten(value)}\""
            );

    private static Fin<FailurePolicy> ParsePolicy(string value) =>
        value switch
        {
            "fail" => FailurePolicy.Fail,
            "continue" => FailurePolicy.Continue,
            _ => Field(
                "on_failure",
                $"must be \"fail\" or \"continue\", not \"{InputRules.Shorten(value)}\""
            ),
        };

    private static string Kind(JsonElement value) => value.ValueKind.ToString().ToLowerInvariant();

    // Error converts implicitly from string, so every success beside a Field(...) is wrapped in
    // FinSucc: a bare string there would become an error message.
    private static Error Field(string name, string problem) =>
        HookError.New(HookErrorCode.ConfigInvalid, $"field \"{name}\" {problem}");

    private static Error Wrap(string path, Error error) =>
        HookError.New(HookErrorCode.ConfigInvalid, $"hook config {path}: {error.Message}");

    private static Fin<HookConfig> Invalid(string path, string problem) =>
        FinFail<HookConfig>(
            HookError.New(HookErrorCode.ConfigInvalid, $"hook config {path} {problem}")
        );
}
