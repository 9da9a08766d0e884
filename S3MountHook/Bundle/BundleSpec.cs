using System.Collections.Immutable;
using System.Text.Json;
using LanguageExt;
using S3MountHook.Activation;
using S3MountHook.Errors;
using S3MountHook.Json;
using static LanguageExt.Prelude;

namespace S3MountHook.Bundle;

/// <summary>
/// What the hook uses from the bundle's config.json: the container root, the process environment
/// and user, and the shortest timeout the runtime set on a prestart or createRuntime hook.
/// </summary>
internal sealed record BundleSpec(
    string RootPath,
    bool RootReadOnly,
    ContainerEnvironment Environment,
    long Uid,
    long Gid,
    ImmutableDictionary<string, string> Annotations,
    int? HookTimeoutSeconds
)
{
    /// <summary>Largest config.json accepted, in bytes.</summary>
    public const int MaxBytes = 4 * 1024 * 1024;

    /// <summary>Reads and parses <c>config.json</c> in the bundle directory.</summary>
    public static Fin<BundleSpec> Read(string bundle)
    {
        var path = Path.Join(bundle, "config.json");
        try
        {
            using var file = File.OpenRead(path);
            if (file.Length > MaxBytes)
            {
                return FinFail<BundleSpec>(
                    HookError.New(
                        HookErrorCode.InputTooLarge,
                        $"bundle config {path} is larger than {MaxBytes} bytes; check the container's OCI bundle"
                    )
                );
            }

            var bytes = new byte[file.Length];
            file.ReadExactly(bytes);
            return Parse(bundle, path, bytes);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return Invalid(path, $"cannot be read ({ExceptionText.Describe(error)})");
        }
    }

    /// <summary>Parses config.json bytes; <paramref name="path"/> is only used in messages.</summary>
    public static Fin<BundleSpec> Parse(string bundle, string path, ReadOnlySpan<byte> json)
    {
        SpecDocument? document;
        try
        {
            document = JsonSerializer.Deserialize(json, DocumentContext.Default.SpecDocument);
        }
        catch (JsonException error)
        {
            return Invalid(
                path,
                $"is not a valid OCI runtime config (problem at {error.Path ?? "$"}, line {error.LineNumber + 1})"
            );
        }

        if (document?.Root?.Path is not { Length: > 0 } root)
        {
            return Invalid(path, "has no \"root.path\"");
        }

        // Path.GetFullPath throws on a NUL character, and no file system path can contain one.
        if (root.Contains('\0', StringComparison.Ordinal))
        {
            return Invalid(path, "has a \"root.path\" with a NUL character");
        }

        // The deserializer stores a JSON null entry of "env" as a null string. It is ignored, like
        // every other entry that is not NAME=VALUE.
        var environment = (document.Process?.Env ?? []).Where(entry => entry is not null);
        var user = document.Process?.User;
        return new BundleSpec(
            Path.GetFullPath(root, bundle),
            document.Root.Readonly ?? false,
            ContainerEnvironment.Parse(environment),
            user?.Uid ?? 0,
            user?.Gid ?? 0,
            (document.Annotations ?? []).ToImmutableDictionary(StringComparer.Ordinal),
            ShortestTimeout(document.Hooks)
        );
    }

    private static int? ShortestTimeout(SpecHooks? hooks)
    {
        var timeouts = (hooks?.Prestart ?? [])
            .Concat(hooks?.CreateRuntime ?? [])
            .Select(hook => hook?.Timeout)
            .Where(timeout => timeout is > 0)
            .ToList();
        return timeouts.Count == 0 ? null : timeouts.Min();
    }

    private static Fin<BundleSpec> Invalid(string path, string problem) =>
        FinFail<BundleSpec>(
            HookError.New(
                HookErrorCode.SpecInvalid,
                $"bundle config {path} {problem}; check the container's OCI bundle"
            )
        );
}
