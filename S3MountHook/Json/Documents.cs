using System.Text.Json.Serialization;

namespace S3MountHook.Json;

// Wire shapes of the JSON documents the hook reads. Every field is nullable so that a missing field
// is reported by the reader with its name, and unknown fields are ignored, as the OCI runtime
// specification requires of consumers of the state and of config.json.

/// <summary>The OCI state a runtime writes to a hook's stdin.</summary>
internal sealed class StateDocument
{
    public string? OciVersion { get; set; }
    public string? Id { get; set; }
    public string? Status { get; set; }
    public int? Pid { get; set; }
    public string? Bundle { get; set; }
    public Dictionary<string, string>? Annotations { get; set; }
}

/// <summary>The parts of the bundle's config.json the hook needs.</summary>
internal sealed class SpecDocument
{
    public string? OciVersion { get; set; }
    public SpecRoot? Root { get; set; }
    public SpecProcess? Process { get; set; }
    public Dictionary<string, string>? Annotations { get; set; }
    public SpecHooks? Hooks { get; set; }
}

/// <summary>The spec's <c>root</c> object.</summary>
internal sealed class SpecRoot
{
    public string? Path { get; set; }
    public bool? Readonly { get; set; }
}

/// <summary>The spec's <c>process</c> object.</summary>
internal sealed class SpecProcess
{
    public List<string>? Env { get; set; }
    public SpecUser? User { get; set; }
}

/// <summary>The spec's <c>process.user</c> object.</summary>
internal sealed class SpecUser
{
    public long? Uid { get; set; }
    public long? Gid { get; set; }
}

/// <summary>The spec's <c>hooks</c> object.</summary>
internal sealed class SpecHooks
{
    public List<SpecHook?>? Prestart { get; set; }
    public List<SpecHook?>? CreateRuntime { get; set; }
    public List<SpecHook?>? Poststop { get; set; }
}

/// <summary>One hook entry.</summary>
internal sealed class SpecHook
{
    public string? Path { get; set; }
    public List<string>? Args { get; set; }
    public int? Timeout { get; set; }
}

/// <summary>Source-generated (reflection-free, AOT-safe) serializers for the documents above.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Disallow,
    AllowTrailingCommas = false,
    MaxDepth = 64
)]
[JsonSerializable(typeof(StateDocument))]
[JsonSerializable(typeof(SpecDocument))]
internal sealed partial class DocumentContext : JsonSerializerContext;
