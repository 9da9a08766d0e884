using System.Collections.Immutable;

namespace S3MountHook.Activation;

/// <summary>
/// The container's environment from the bundle's <c>process.env</c>, as a name-to-value map.
/// Each entry splits at its first <c>=</c> only, so values keep every later <c>=</c>. Entries
/// without <c>=</c> are ignored, and when a name repeats, the last entry wins, because a later
/// entry in the spec is the override a pod spec or runtime added.
/// </summary>
internal sealed record ContainerEnvironment(ImmutableDictionary<string, string> Variables)
{
    /// <summary>An environment without variables.</summary>
    public static ContainerEnvironment Empty { get; } =
        new(ImmutableDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal));

    /// <summary>Parses OCI <c>process.env</c> entries of the form NAME=VALUE.</summary>
    public static ContainerEnvironment Parse(IEnumerable<string> entries)
    {
        var builder = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var split = entry.IndexOf('=', StringComparison.Ordinal);
            if (split <= 0)
            {
                continue;
            }

            builder[entry[..split]] = entry[(split + 1)..];
        }

        return new ContainerEnvironment(builder.ToImmutable());
    }

    /// <summary>Returns the value of a variable, or null when it is not set.</summary>
    public string? Get(string name) => Variables.TryGetValue(name, out var value) ? value : null;
}
