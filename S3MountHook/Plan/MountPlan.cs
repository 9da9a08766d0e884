using System.Collections.Immutable;
using S3MountHook.Config;
using S3MountHook.Secrets;

namespace S3MountHook.Plan;

/// <summary>Where the data comes from: bucket, key prefix (empty or ending with '/'), endpoint and region.</summary>
internal sealed record S3Location(string Bucket, string Prefix, string? Endpoint, string? Region);

/// <summary>Static credentials taken from the container environment.</summary>
internal sealed record Credentials(
    Secret AccessKeyId,
    Secret SecretAccessKey,
    Secret? SessionToken
);

/// <summary>
/// The mounter's complete environment. Every value is a <see cref="Secret"/>, so a plan printed by
/// accident shows names only; <see cref="Reveal"/> hands the values to the process launcher.
/// </summary>
internal sealed record MounterEnvironment(ImmutableArray<KeyValuePair<string, Secret>> Variables)
{
    /// <summary>Variable names in order, for --explain and the log.</summary>
    public IEnumerable<string> Names => Variables.Select(variable => variable.Key);

    /// <summary>Returns the variables with their values, for the launcher only.</summary>
    public IReadOnlyDictionary<string, string> Reveal() =>
        Variables.ToDictionary(
            variable => variable.Key,
            variable => variable.Value.Reveal(),
            StringComparer.Ordinal
        );
}

/// <summary>A 0600 file the mounter reads its credentials from; its contents are secret.</summary>
internal sealed record CredentialFile(string Path, Secret Contents);

/// <summary>
/// The mounter invocation: program, arguments (never a secret), environment and credential files.
/// <see cref="Credentials"/> lists the credential values, which the redactor scrubs from the
/// mounter's output.
/// </summary>
internal sealed record MounterCommand(
    MounterKind Kind,
    string Program,
    ImmutableArray<string> Arguments,
    MounterEnvironment Environment,
    ImmutableArray<CredentialFile> Files,
    ImmutableArray<Secret> Credentials
);

/// <summary>
/// Everything the prestart stage will do for one container, computed without side effects so that
/// --explain can print it and properties can test it.
/// </summary>
internal sealed record MountPlan(
    string ContainerId,
    int ContainerPid,
    string RootPath,
    S3Location Location,
    MounterCommand Mounter,
    string ContainerDirectory,
    string StagingPath,
    string LogPath,
    string Target,
    string TargetSource,
    bool ReadOnly,
    TimeSpan Timeout
);
