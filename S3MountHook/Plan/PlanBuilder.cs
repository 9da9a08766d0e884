using LanguageExt;
using S3MountHook.Activation;
using S3MountHook.Bundle;
using S3MountHook.Config;
using S3MountHook.Errors;
using S3MountHook.Secrets;
using S3MountHook.State;
using static LanguageExt.Prelude;

namespace S3MountHook.Plan;

/// <summary>
/// Turns the state, the config and the container's environment into a <see cref="MountPlan"/>.
/// Pure: it reads no file and starts nothing, so it can run for --explain and under properties.
/// </summary>
internal static class PlanBuilder
{
    /// <summary>Container variables the hook reads.</summary>
    public const string BucketVariable = "S3_BUCKET";

    /// <inheritdoc cref="BucketVariable"/>
    public const string PrefixVariable = "S3_PREFIX";

    /// <inheritdoc cref="BucketVariable"/>
    public const string EndpointVariable = "S3_ENDPOINT_URL";

    /// <inheritdoc cref="BucketVariable"/>
    public const string TargetVariable = "CONTAINER_MOUNTPOINT";

    /// <summary>Seconds kept between the hook's own deadline and the runtime's hook timeout.</summary>
    private const int RuntimeTimeoutMargin = 2;

    /// <summary>Builds the plan, failing with a catalogue error on the first invalid input.</summary>
    public static Fin<MountPlan> Build(HookConfig config, OciState state, BundleSpec spec)
    {
        var environment = spec.Environment;
        return from id in InputRules.ContainerId(state.Id)
            from pid in ContainerPid(state)
            from location in Location(config, environment)
            from credentials in Credentials(config, environment)
            from target in Target(config, environment)
            select Assemble(config, state, spec, id, pid, location, credentials, target);
    }

    private static MountPlan Assemble(
        HookConfig config,
        OciState state,
        BundleSpec spec,
        string id,
        int pid,
        S3Location location,
        Option<Credentials> found,
        (string Path, string Source) target
    )
    {
        var credentials = found.MatchUnsafe(Some: c => c, None: () => (Credentials?)null);
        var containerDirectory = ContainerDirectory(config, id);
        var staging = Path.Join(config.HostMountpoint, id);
        var options = new MountOptions(
            location,
            credentials,
            staging,
            containerDirectory,
            spec.Uid,
            spec.Gid,
            config.ReadOnly,
            config.AllowOther,
            config.ForcePathStyle,
            DisableInstanceMetadata: credentials is not null || !config.AllowInstanceCredentials
        );
        return new MountPlan(
            id,
            pid,
            spec.RootPath,
            location,
            MounterProfiles.Build(config.Mounter, config.ProgramPath, options),
            containerDirectory,
            staging,
            Path.Join(containerDirectory, "mounter.log"),
            target.Path,
            target.Source,
            config.ReadOnly,
            Timeout(config, spec)
        );
    }

    /// <summary>
    /// The container's private directory: <c>state_directory/containers/ID</c>. The extra level keeps
    /// ids apart from the hook's other entries there (the log, the default staging parent).
    /// </summary>
    public static string ContainerDirectory(HookConfig config, string containerId) =>
        Path.Join(config.StateDirectory, "containers", containerId);

    /// <summary>
    /// The hook's deadline: the configured mount timeout, cut to stay below the runtime's own
    /// timeout for the hook when config.json sets one, so that the hook rolls back before the
    /// runtime kills it.
    /// </summary>
    public static TimeSpan Timeout(HookConfig config, BundleSpec spec)
    {
        var seconds = config.MountTimeoutSeconds;
        if (spec.HookTimeoutSeconds is { } runtime)
        {
            seconds = Math.Min(seconds, Math.Max(1, runtime - RuntimeTimeoutMargin));
        }

        return TimeSpan.FromSeconds(seconds);
    }

    private static Fin<int> ContainerPid(OciState state) =>
        state.Pid > 0
            ? state.Pid
            : FinFail<int>(
                HookError.New(
                    HookErrorCode.StateInvalid,
                    $"the OCI state for container {state.Id} has no \"pid\"; register the hook as prestart or createRuntime, where the runtime passes one"
                )
            );

    private static Fin<S3Location> Location(HookConfig config, ContainerEnvironment environment) =>
        from bucket in Required(environment, BucketVariable)
            .Bind(value =>
                InputRules.Bucket(value, allowArn: config.Mounter == MounterKind.MountS3)
            )
        from prefix in Optional(environment, PrefixVariable)
            .Bind(value => InputRules.Prefix(value.IfNone("")))
        from endpoint in Optional(environment, EndpointVariable)
            .Bind(value => Endpoint(config, value))
        from region in Region(config, environment)
        select new S3Location(bucket, prefix, Nullable(endpoint), Nullable(region));

    private static Fin<Option<string>> Endpoint(HookConfig config, Option<string> value) =>
        value.Match(
            Some: url =>
                InputRules
                    .Endpoint(url)
                    .Bind(valid => EndpointPolicy.Check(valid, config.AllowedEndpointHosts))
                    .Map(Some),
            None: () => FinSucc(Option<string>.None)
        );

    // Fin cannot hold null, so optional values travel as Option and become null only in records.
    private static string? Nullable(Option<string> value) =>
        value.MatchUnsafe(Some: v => v, None: () => null);

    private static Fin<Option<string>> Region(HookConfig config, ContainerEnvironment environment)
    {
        foreach (var name in new[] { "AWS_REGION", "AWS_DEFAULT_REGION" })
        {
            if (environment.Get(name) is { Length: > 0 } value)
            {
                return InputRules
                    .PlainValue(name, value)
                    .Bind(v => InputRules.Region(name, v))
                    .Map(Some);
            }
        }

        return FinSucc(Prelude.Optional(config.DefaultRegion));
    }

    private static Fin<Option<Credentials>> Credentials(
        HookConfig config,
        ContainerEnvironment environment
    ) =>
        from accessKey in Optional(environment, "AWS_ACCESS_KEY_ID").Bind(AccessKeyId)
        from secretKey in Optional(environment, "AWS_SECRET_ACCESS_KEY")
        from token in Optional(environment, "AWS_SESSION_TOKEN")
        from credentials in Combine(
            config,
            Nullable(accessKey),
            Nullable(secretKey),
            Nullable(token)
        )
        select credentials;

    /// <summary>
    /// Rejects an access key id with ':' or a space: AWS key ids are letters and digits, and s3fs's
    /// passwd file splits "KEY:SECRET" at the first ':'. The message never shows the value.
    /// </summary>
    private static Fin<Option<string>> AccessKeyId(Option<string> value) =>
        value.Exists(key => key.Any(c => c is ':' || char.IsWhiteSpace(c)))
            ? FinFail<Option<string>>(
                HookError.New(
                    HookErrorCode.EnvValueInvalid,
                    "container variable AWS_ACCESS_KEY_ID contains ':' or a space; copy the access key id again without them"
                )
            )
            : FinSucc(value);

    private static Fin<Option<Credentials>> Combine(
        HookConfig config,
        string? accessKey,
        string? secretKey,
        string? token
    )
    {
        if (accessKey is not null && secretKey is not null)
        {
            var session = token is not null ? new Secret(token) : null;
            return Some(new Credentials(new Secret(accessKey), new Secret(secretKey), session));
        }

        if (accessKey is not null || secretKey is not null || token is not null)
        {
            return FinFail<Option<Credentials>>(
                HookError.New(
                    HookErrorCode.CredentialsMissing,
                    "the container sets only part of its credentials: set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary credentials)"
                )
            );
        }

        return config.AllowInstanceCredentials
            ? FinSucc(Option<Credentials>.None)
            : FinFail<Option<Credentials>>(
                HookError.New(
                    HookErrorCode.CredentialsMissing,
                    "the container sets no AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; add them to the pod spec (from a secret), or set allow_instance_credentials in the hook config to use the VM's own role"
                )
            );
    }

    private static Fin<(string Path, string Source)> Target(
        HookConfig config,
        ContainerEnvironment environment
    ) =>
        Optional(environment, TargetVariable)
            .Bind(value =>
                value.Match(
                    Some: path =>
                        InputRules.Target(TargetVariable, path).Map(p => (p, TargetVariable)),
                    None: () =>
                        InputRules
                            .Target(
                                "container_mountpoint in the hook config",
                                config.ContainerMountpoint
                            )
                            .Map(p => (p, "container_mountpoint"))
                )
            );

    private static Fin<string> Required(ContainerEnvironment environment, string name) =>
        environment.Get(name) is { Length: > 0 } value
            ? InputRules.PlainValue(name, value)
            : FinFail<string>(
                HookError.New(
                    HookErrorCode.BucketInvalid,
                    $"the container asked for a mount but does not set {name}; add {name} to its environment"
                )
            );

    private static Fin<Option<string>> Optional(ContainerEnvironment environment, string name) =>
        environment.Get(name) is { Length: > 0 } value
            ? InputRules.PlainValue(name, value).Map(Some)
            : FinSucc(Option<string>.None);
}
