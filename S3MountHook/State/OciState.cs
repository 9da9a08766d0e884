using System.Collections.Immutable;
using System.Text.Json;
using LanguageExt;
using S3MountHook.Errors;
using S3MountHook.Json;
using static LanguageExt.Prelude;

namespace S3MountHook.State;

/// <summary>
/// The OCI runtime state a hook receives on stdin. <see cref="Pid"/> is the container's init
/// process in the hook's pid namespace, or 0 when the runtime gives none (poststop).
/// </summary>
internal sealed record OciState(
    string OciVersion,
    string Id,
    string Status,
    int Pid,
    string Bundle,
    ImmutableDictionary<string, string> Annotations
)
{
    /// <summary>Largest state document accepted, in bytes. Real states are well under 64 KiB.</summary>
    public const int MaxBytes = 1024 * 1024;

    /// <summary>Parses the state JSON. Unknown fields are ignored; a missing required field is an error naming it.</summary>
    public static Fin<OciState> Parse(ReadOnlySpan<byte> json)
    {
        if (json.Length > MaxBytes)
        {
            return FinFail<OciState>(
                HookError.New(
                    HookErrorCode.InputTooLarge,
                    $"the OCI state on stdin is larger than {MaxBytes} bytes; a runtime's state is far smaller, so check what runs the hook"
                )
            );
        }

        StateDocument? document;
        try
        {
            document = JsonSerializer.Deserialize(json, DocumentContext.Default.StateDocument);
        }
        catch (JsonException error)
        {
            return Invalid(
                $"is not valid JSON at {error.Path ?? "$"} (line {error.LineNumber + 1})"
            );
        }

        return document is null ? Invalid("is empty") : FromDocument(document);
    }

    private static Fin<OciState> FromDocument(StateDocument document)
    {
        if (string.IsNullOrEmpty(document.Id))
        {
            return Invalid("has no \"id\"");
        }

        if (
            string.IsNullOrEmpty(document.Bundle)
            || document.Bundle[0] != '/'
            || document.Bundle.Any(char.IsControl)
        )
        {
            return Invalid("has no absolute \"bundle\" path without control characters");
        }

        if (document.Pid is < 0)
        {
            return Invalid($"has a negative \"pid\" ({document.Pid})");
        }

        return new OciState(
            document.OciVersion ?? "",
            document.Id,
            document.Status ?? "",
            document.Pid ?? 0,
            document.Bundle,
            (document.Annotations ?? []).ToImmutableDictionary(StringComparer.Ordinal)
        );
    }

    private static Fin<OciState> Invalid(string problem) =>
        FinFail<OciState>(
            HookError.New(
                HookErrorCode.StateInvalid,
                $"the OCI state on stdin {problem}; run the hook from an OCI runtime, which writes the state to stdin"
            )
        );
}
