namespace S3MountHook.Secrets;

/// <summary>
/// A credential value (access key id, secret key, session token). Its string form is a redaction
/// marker, so interpolating it into a log line, an error or a record prints nothing sensitive.
/// The value itself leaves only through <see cref="Reveal"/>, which the environment and
/// credential-file writers call when handing it to the mounter.
/// </summary>
internal sealed class Secret : IEquatable<Secret>
{
    /// <summary>The text printed in place of every secret.</summary>
    public const string Redacted = "[redacted]";

    private readonly string value;

    /// <summary>Wraps a credential value.</summary>
    public Secret(string value) => this.value = value;

    /// <summary>Returns the credential itself. Call only where the mounter receives it.</summary>
    public string Reveal() => value;

    /// <summary>Returns the redaction marker, never the value.</summary>
    public override string ToString() => Redacted;

    /// <inheritdoc/>
    public bool Equals(Secret? other) =>
        other is not null && string.Equals(value, other.value, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Secret other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(value);
}
