using System.Text.Json;
using System.Text.Json.Serialization;

// The minimum work an OCI hook must do before it can decide to leave a container alone: parse the state
// on stdin, read the bundle's config.json, and look up one variable in process.env. It exits 0
// whether or not the variable is set, 1 when the state has no bundle or config.json no root.path,
// and throws on invalid JSON.
const string Flag = "S3_MOUNT";

using var stdin = Console.OpenStandardInput();
using var buffer = new MemoryStream();
stdin.CopyTo(buffer);
var state = JsonSerializer.Deserialize(
    buffer.GetBuffer().AsSpan(0, (int)buffer.Length),
    BaselineJson.Default.State
);
if (state?.Bundle is not { Length: > 0 } bundle)
{
    return 1;
}

var spec = JsonSerializer.Deserialize(
    File.ReadAllBytes(Path.Join(bundle, "config.json")),
    BaselineJson.Default.Spec
);
if (spec?.Root?.Path is not { Length: > 0 })
{
    return 1;
}

// The last entry wins, as in execve. KeepAlive stops the compiler from dropping the unused lookup.
var prefix = Flag + "=";
var value = spec
    .Process?.Env?.LastOrDefault(entry => entry.StartsWith(prefix, StringComparison.Ordinal))
    ?[prefix.Length..];
GC.KeepAlive(value);
return 0;

/// <summary>The OCI state fields the baseline reads.</summary>
internal sealed class State
{
    public string? Id { get; set; }
    public string? Bundle { get; set; }
}

/// <summary>The config.json fields the baseline reads.</summary>
internal sealed class Spec
{
    public SpecRoot? Root { get; set; }
    public SpecProcess? Process { get; set; }
}

/// <summary>The spec's <c>root</c> object.</summary>
internal sealed class SpecRoot
{
    public string? Path { get; set; }
}

/// <summary>The spec's <c>process</c> object.</summary>
internal sealed class SpecProcess
{
    public List<string>? Env { get; set; }
}

/// <summary>Source-generated serializers for the documents above.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(State))]
[JsonSerializable(typeof(Spec))]
internal sealed partial class BaselineJson : JsonSerializerContext;
