using LanguageExt.Common;

namespace S3MountHook.Errors;

/// <summary>
/// Stable codes for every failure the hook expects. Callers and tests match on the code, never on
/// the message text, so messages can improve without breaking anything.
/// </summary>
internal enum HookErrorCode
{
    /// <summary>The command line is invalid: unknown stage, option or missing value.</summary>
    UsageInvalid = 1001,

    /// <summary>The OCI state on stdin is not valid JSON or lacks a required field.</summary>
    StateInvalid = 1002,

    /// <summary>The hook config file is missing, unreadable, not valid JSON or has a bad field.</summary>
    ConfigInvalid = 1003,

    /// <summary>The bundle's config.json is missing, unreadable or malformed.</summary>
    SpecInvalid = 1004,

    /// <summary>An input is larger than the hook accepts.</summary>
    InputTooLarge = 1005,

    /// <summary>A container environment variable the hook reads has an invalid value.</summary>
    EnvValueInvalid = 1006,

    /// <summary>The bucket name breaks mount-s3's rules.</summary>
    BucketInvalid = 1007,

    /// <summary>The key prefix breaks mount-s3's rules.</summary>
    PrefixInvalid = 1008,

    /// <summary>The endpoint URL is not an http or https URL without user info.</summary>
    EndpointInvalid = 1009,

    /// <summary>The region name is not a valid region identifier.</summary>
    RegionInvalid = 1010,

    /// <summary>The container gave no credentials and the config does not allow instance credentials.</summary>
    CredentialsMissing = 1011,

    /// <summary>The container id cannot be used as a path component.</summary>
    ContainerIdInvalid = 1012,

    /// <summary>The container target path is not absolute, contains "..", or is a forbidden location.</summary>
    TargetInvalid = 1013,

    /// <summary>Resolving the target inside the container root failed or would leave the root.</summary>
    TargetUnresolvable = 1014,

    /// <summary>The container root is read-only, so the target directory cannot be created.</summary>
    RootReadOnly = 1015,

    /// <summary>The mounter program does not exist or is not executable.</summary>
    MounterNotFound = 1016,

    /// <summary>The mounter exited before the mount appeared.</summary>
    MounterFailed = 1017,

    /// <summary>The mount did not appear before the configured timeout.</summary>
    MounterTimedOut = 1018,

    /// <summary>The staging directory does not hold the FUSE mount the mounter made.</summary>
    MountNotFound = 1019,

    /// <summary>A system call failed; the message names the call, the path and the errno.</summary>
    SyscallFailed = 1020,

    /// <summary>A per-container state record is unreadable or inconsistent.</summary>
    RecordInvalid = 1021,

    /// <summary>The hook received SIGTERM or SIGINT, or hit its own deadline, and rolled back.</summary>
    Interrupted = 1022,

    /// <summary>Another hook held the container's lock for longer than this hook may wait.</summary>
    LockTimedOut = 1023,

    /// <summary>Poststop or a sweep could not remove everything; the message names what is left.</summary>
    CleanupIncomplete = 1024,
}

/// <summary>Factories for catalogue errors. Each message names the value and the next step.</summary>
internal static class HookError
{
    /// <summary>Creates an expected error with a catalogue code.</summary>
    public static Error New(HookErrorCode code, string message) => Error.New((int)code, message);

    /// <summary>Returns true when the error carries the given catalogue code.</summary>
    public static bool Has(this Error error, HookErrorCode code) => error.Code == (int)code;

    /// <summary>Returns the catalogue code of an error, or null for an unexpected error.</summary>
    public static HookErrorCode? CodeOf(Error error) =>
        Enum.IsDefined((HookErrorCode)error.Code) ? (HookErrorCode)error.Code : null;
}
