using S3MountHook.Plan;

namespace S3MountHook.Secrets;

/// <summary>
/// Removes known secret values from text the hook did not write itself, such as the mounter's
/// output, before that text reaches an error message or the log.
/// </summary>
internal sealed class Redactor
{
    // Values shorter than this are not replaced: they would match ordinary words.
    private const int MinSecretLength = 4;

    private readonly string[] values;

    /// <summary>Creates a redactor for the given secrets.</summary>
    public Redactor(IEnumerable<Secret> secrets) =>
        values = secrets
            .Select(secret => secret.Reveal())
            .Where(value => value.Length >= MinSecretLength)
            .Distinct(StringComparer.Ordinal)
            .OrderByDescending(value => value.Length)
            .ToArray();

    /// <summary>Creates a redactor for the credentials of a mounter command.</summary>
    public static Redactor For(MounterCommand command) => new(command.Credentials);

    /// <summary>Returns the text with every secret replaced by the redaction marker.</summary>
    public string Apply(string text)
    {
        foreach (var value in values)
        {
            text = text.Replace(value, Secret.Redacted, StringComparison.Ordinal);
        }

        return text;
    }
}
