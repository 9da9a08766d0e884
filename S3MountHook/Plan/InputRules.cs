using LanguageExt;
using LanguageExt.Common;
using S3MountHook.Errors;
using static LanguageExt.Prelude;

namespace S3MountHook.Plan;

/// <summary>
/// Validation of every value that reaches the mounter's command line or the file system. The
/// rules follow mount-s3's own argument checks, so a value the hook accepts is one mount-s3 accepts
/// too, and no value can be read as a command-line option.
/// </summary>
internal static class InputRules
{
    /// <summary>Largest value, in characters, accepted for any one environment variable the hook reads.</summary>
    public const int MaxValueLength = 16 * 1024;

    private const int MaxPrefixLength = 1024;
    private const int MaxTargetLength = 4096;
    private const int MaxContainerIdLength = 250;

    private static readonly string[] ForbiddenTargetRoots = ["/proc", "/sys", "/dev"];

    /// <summary>
    /// Rejects a variable value with a control character, such as the trailing newline that copying
    /// a secret often adds. The message names the variable and never shows the value.
    /// </summary>
    public static Fin<string> PlainValue(string name, string value)
    {
        if (value.Length > MaxValueLength)
        {
            return Fail(
                HookErrorCode.InputTooLarge,
                $"container variable {name} is longer than {MaxValueLength} characters; shorten it"
            );
        }

        return value.Any(char.IsControl)
            ? Fail(
                HookErrorCode.EnvValueInvalid,
                $"container variable {name} contains a control character (often a trailing newline "
                    + "copied with the value); remove it from the pod spec or secret"
            )
            : value;
    }

    /// <summary>
    /// Validates a bucket name: 3 to 255 characters of letters, digits, '.', '_' and '-', not
    /// starting with '-', or, for mount-s3 only, an access point ARN.
    /// </summary>
    public static Fin<string> Bucket(string value, bool allowArn)
    {
        if (allowArn && value.StartsWith("arn:", StringComparison.Ordinal))
        {
            return value.Length <= 2048 && value.All(c => IsNameChar(c) || c is ':' or '/')
                ? value
                : Fail(
                    HookErrorCode.BucketInvalid,
                    $"S3_BUCKET ARN \"{Shorten(value)}\" has characters outside [0-9A-Za-z._:/-]; fix S3_BUCKET"
                );
        }

        var valid = value.Length is >= 3 and <= 255 && value.All(IsNameChar) && value[0] != '-';
        return valid
            ? value
            : Fail(
                HookErrorCode.BucketInvalid,
                $"S3_BUCKET \"{Shorten(value)}\" is not a valid bucket name: use 3 to 255 characters "
                    + "of letters, digits, '.', '_' and '-', not starting with '-'"
            );
    }

    /// <summary>
    /// Normalises a key prefix to end with '/', as mount-s3 requires, and rejects one that starts
    /// with '-' or '/', is longer than an S3 key may be, or contains a control character.
    /// </summary>
    public static Fin<string> Prefix(string value)
    {
        if (value.Length == 0)
        {
            return value;
        }

        var normalised = value.EndsWith('/') ? value : value + "/";
        var invalid =
            normalised.Length > MaxPrefixLength
            || normalised[0] is '-' or '/'
            || normalised.Contains("//", StringComparison.Ordinal)
            || normalised.Any(char.IsControl);
        return invalid
            ? Fail(
                HookErrorCode.PrefixInvalid,
                $"S3_PREFIX \"{Shorten(value)}\" is invalid: use at most {MaxPrefixLength} characters, "
                    + "no leading '-' or '/', no empty path segment"
            )
            : normalised;
    }

    /// <summary>
    /// Validates an endpoint: an absolute http or https URL with a host, no user info and no ','
    /// or '\'. s3fs receives the URL inside its comma-separated -o list, where a ',' would start
    /// another option (such as suid or passwd_file) and libfuse reads '\' as an escape.
    /// </summary>
    public static Fin<string> Endpoint(string value)
    {
        var parsed = Uri.TryCreate(value, UriKind.Absolute, out var uri);
        var valid =
            parsed
            && uri is not null
            && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            && uri.Host.Length > 0
            && uri.UserInfo.Length == 0
            && !value.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is ',' or '\\');
        if (valid)
        {
            return value;
        }

        // The URL may carry user:password, so the message shows only that it is invalid.
        return Fail(
            HookErrorCode.EndpointInvalid,
            "S3_ENDPOINT_URL is invalid: use an http:// or https:// URL with a host and without "
                + "user name, password, spaces, ',' or '\\'"
        );
    }

    /// <summary>Validates a region name such as us-east-1: lower-case letters, digits and '-'.</summary>
    public static Fin<string> Region(string name, string value)
    {
        var valid =
            value.Length is >= 1 and <= 64
            && value.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-')
            && value[0] != '-';
        return valid
            ? value
            : Fail(
                HookErrorCode.RegionInvalid,
                $"{name} \"{Shorten(value)}\" is not a region name: use lower-case letters, digits "
                    + "and '-', as in us-east-1"
            );
    }

    /// <summary>
    /// Validates a container id for use as one path component under the hook's directories.
    /// Runtimes use letters, digits and '_', '+', '-', '.' in ids.
    /// </summary>
    public static Fin<string> ContainerId(string value)
    {
        var valid =
            value.Length is >= 1 and <= MaxContainerIdLength
            && value is not "." and not ".."
            && value.All(c => IsNameChar(c) || c == '+');
        return valid
            ? value
            : Fail(
                HookErrorCode.ContainerIdInvalid,
                $"container id \"{Shorten(value)}\" cannot name a directory: it must be 1 to "
                    + $"{MaxContainerIdLength} characters of letters, digits, '_', '+', '-' and '.'"
            );
    }

    /// <summary>
    /// Validates and normalises the mount target inside the container: absolute, no "." or ".."
    /// component, not "/" itself and not under /proc, /sys or /dev. A mount there would hide the
    /// kernel interfaces that the runtime and the container rely on.
    /// </summary>
    public static Fin<string> Target(string source, string value)
    {
        if (value.Length is 0 or > MaxTargetLength || value[0] != '/' || value.Any(char.IsControl))
        {
            return TargetError(
                source,
                value,
                "must be an absolute path without control characters"
            );
        }

        var components = value.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (components.Any(c => c is "." or ".."))
        {
            return TargetError(source, value, "must not contain \".\" or \"..\" components");
        }

        var normalised = "/" + string.Join('/', components);
        if (normalised == "/")
        {
            return TargetError(source, value, "must not be the container's root directory");
        }

        var forbidden = ForbiddenTargetRoots.FirstOrDefault(root =>
            normalised == root || normalised.StartsWith(root + "/", StringComparison.Ordinal)
        );
        return forbidden is null
            ? normalised
            : TargetError(source, value, $"must not be {forbidden} or below it");
    }

    private static Fin<string> TargetError(string source, string value, string rule) =>
        Fail(
            HookErrorCode.TargetInvalid,
            $"mount target \"{Shorten(value)}\" from {source} is invalid: it {rule}; choose a "
                + "directory such as /mnt/s3"
        );

    private static bool IsNameChar(char c) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '_' or '-';

    /// <summary>Cuts a value to 80 characters and replaces control characters, for error messages.</summary>
    internal static string Shorten(string value)
    {
        var visible = new string(value.Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return visible.Length <= 80 ? visible : visible[..77] + "...";
    }

    private static Fin<string> Fail(HookErrorCode code, string message) =>
        FinFail<string>(HookError.New(code, message));
}
