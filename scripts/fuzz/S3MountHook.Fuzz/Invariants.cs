using System.Collections.Immutable;
using LanguageExt;
using LanguageExt.Common;
using S3MountHook.Activation;
using S3MountHook.Bundle;
using S3MountHook.CommandLine;
using S3MountHook.Config;
using S3MountHook.Errors;
using S3MountHook.Explain;
using S3MountHook.Plan;
using S3MountHook.State;

namespace S3MountHook.Fuzz;

/// <summary>An input that broke a rule the hook promises. SharpFuzz reports it to afl-fuzz as a crash.</summary>
internal sealed class FuzzBugException(string message) : Exception(message);

/// <summary>
/// The rules every parse and plan result must keep. Each check throws <see cref="FuzzBugException"/>
/// with the rule and the offending value.
/// </summary>
internal static class Invariants
{
    private static readonly string[] CredentialVariables =
    [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ];

    private static readonly string[] ForbiddenTargetRoots = ["/proc", "/sys", "/dev"];

    private static readonly System.Collections.Generic.HashSet<string> MountS3Flags =
    [
        "--foreground",
        "--prefix",
        "--endpoint-url",
        "--force-path-style",
        "--region",
        "--read-only",
        "--allow-delete",
        "--allow-overwrite",
        "--allow-other",
        "--uid",
        "--gid",
    ];

    private static readonly System.Collections.Generic.HashSet<string> S3fsFlags = ["-f", "-o"];

    private static readonly System.Collections.Generic.HashSet<string> S3fsOptionKeys =
    [
        "url",
        "use_path_request_style",
        "endpoint",
        "passwd_file",
        "iam_role",
        "ro",
        "rw",
        "allow_other",
        "uid",
        "gid",
        "umask",
    ];

    private static readonly System.Collections.Generic.HashSet<string> RcloneFlags =
    [
        "--config",
        "--cache-dir",
        "--vfs-cache-mode",
        "--dir-perms",
        "--file-perms",
        "--umask",
        "--read-only",
        "--allow-other",
        "--uid",
        "--gid",
    ];

    private static readonly Invocation ExplainInvocation = new(
        HookCommand.Run,
        HookStage.Prestart,
        "/fuzz/mountpoint_hookconfig.json",
        Explain: true,
        LogPath: null
    );

    /// <summary>A failure must carry a code from <see cref="HookErrorCode"/>.</summary>
    public static Unit Error(string source, Error error)
    {
        Require(
            HookError.CodeOf(error) is not null,
            $"{source} failed with code {error.Code}, which is not a HookErrorCode: {error}"
        );
        Require(
            error.Message.Length > 0,
            $"{source} failed with an empty message (code {error.Code})"
        );
        return Unit.Default;
    }

    /// <summary>An accepted state has an id, an absolute bundle path that File.OpenRead accepts, and no negative pid.</summary>
    public static Unit StateAccepted(OciState state)
    {
        Require(state.Id.Length > 0, "OciState.Parse accepted an empty id");
        Require(
            state.Bundle.StartsWith('/'),
            $"OciState.Parse accepted a relative bundle \"{state.Bundle}\""
        );
        Require(
            !state.Bundle.Contains('\0', StringComparison.Ordinal),
            "OciState.Parse accepted a bundle path with a NUL character, which makes File.OpenRead throw ArgumentException"
        );
        Require(state.Pid >= 0, $"OciState.Parse accepted the negative pid {state.Pid}");
        return Unit.Default;
    }

    /// <summary>An accepted config has absolute paths and a valid container target.</summary>
    public static Unit ConfigAccepted(HookConfig config)
    {
        Absolute("program_path", config.ProgramPath);
        Directory("host_mountpoint", config.HostMountpoint);
        Directory("state_directory", config.StateDirectory);
        if (config.LogPath is not null)
        {
            Absolute("log_path", config.LogPath);
        }

        Target("container_mountpoint", config.ContainerMountpoint);
        Require(
            config.MountTimeoutSeconds is >= 1 and <= 600,
            $"ConfigReader.Parse accepted mount_timeout_seconds {config.MountTimeoutSeconds}"
        );
        return Unit.Default;
    }

    /// <summary>An accepted spec has an absolute root path without NUL characters.</summary>
    public static Unit SpecAccepted(BundleSpec spec)
    {
        Require(
            Path.IsPathFullyQualified(spec.RootPath),
            $"BundleSpec.Parse accepted a relative root \"{spec.RootPath}\""
        );
        Require(
            !spec.RootPath.Contains('\0', StringComparison.Ordinal),
            "BundleSpec.Parse accepted a root path with a NUL character"
        );
        Require(
            spec.HookTimeoutSeconds is null or > 0,
            $"BundleSpec.Parse returned the hook timeout {spec.HookTimeoutSeconds}"
        );
        return Unit.Default;
    }

    /// <summary>
    /// The parsed environment equals a plain dictionary built from the entries: split at the
    /// first '=', entries without a name skipped, the last entry for a name wins.
    /// </summary>
    public static Unit EnvironmentMatchesModel(
        IEnumerable<string> entries,
        ContainerEnvironment environment
    )
    {
        var model = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var split = entry.IndexOf('=', StringComparison.Ordinal);
            if (split > 0)
            {
                model[entry[..split]] = entry[(split + 1)..];
            }
        }

        Require(
            model.Count == environment.Variables.Count,
            $"ContainerEnvironment.Parse returned {environment.Variables.Count} variables, the model {model.Count}"
        );
        foreach (var (name, value) in model)
        {
            Require(
                environment.Get(name) == value,
                $"ContainerEnvironment.Parse returned a different value for \"{name}\""
            );
        }

        return Unit.Default;
    }

    /// <summary>
    /// Builds and prints the plan, then builds it again with every credential value masked.
    /// Only the environment may differ between the two: argv, the printed plan and error messages
    /// must not depend on a credential value.
    /// </summary>
    public static Unit Plan(HookConfig config, OciState state, BundleSpec spec)
    {
        var built = PlanBuilder.Build(config, state, spec);
        var replaced = PlanBuilder.Build(
            config,
            state,
            spec with
            {
                Environment = ReplaceCredentials(spec.Environment),
            }
        );
        _ = built.Match(
            Succ: plan => PlanAccepted(config, plan),
            Fail: error => Error("PlanBuilder.Build", error)
        );

        if (built.IsSucc && replaced.IsSucc)
        {
            var plan = (MountPlan)built;
            var other = (MountPlan)replaced;
            Require(
                plan.Mounter.Arguments.SequenceEqual(
                    other.Mounter.Arguments,
                    StringComparer.Ordinal
                ),
                $"{plan.Mounter.Kind} argv depends on a credential value: {string.Join(' ', plan.Mounter.Arguments)}"
            );
            Require(
                Print(config, plan).SequenceEqual(Print(config, other), StringComparer.Ordinal),
                "the printed plan depends on a credential value"
            );
        }
        else if (built.IsFail && replaced.IsFail)
        {
            var message = built.Match(Succ: _ => "", Fail: error => error.Message);
            var otherMessage = replaced.Match(Succ: _ => "", Fail: error => error.Message);
            Require(
                message == otherMessage,
                $"the error message depends on a credential value: {message}"
            );
        }

        return Unit.Default;
    }

    private static Unit PlanAccepted(HookConfig config, MountPlan plan)
    {
        Bucket(plan.Location.Bucket, allowArn: config.Mounter == MounterKind.MountS3);
        Target("the plan", plan.Target);

        var prefix = plan.Location.Prefix;
        Require(
            prefix.Length == 0 || (prefix.EndsWith('/') && prefix[0] is not ('-' or '/')),
            $"the plan has the invalid prefix \"{prefix}\""
        );
        Require(
            plan.Location.Endpoint is null
                || plan.Location.Endpoint.StartsWith("http://", StringComparison.OrdinalIgnoreCase)
                || plan.Location.Endpoint.StartsWith(
                    "https://",
                    StringComparison.OrdinalIgnoreCase
                ),
            $"the plan has the endpoint \"{plan.Location.Endpoint}\", which is not http or https"
        );
        Require(
            plan.Location.Region is null
                || plan.Location.Region.All(c =>
                    c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'
                ),
            $"the plan has the invalid region \"{plan.Location.Region}\""
        );

        var id = plan.ContainerId;
        Require(
            id.Length > 0
                && id is not ("." or "..")
                && !id.Contains('/', StringComparison.Ordinal)
                && !id.Contains('\0', StringComparison.Ordinal),
            $"the plan uses the container id \"{id}\" as a path component"
        );
        Require(
            Path.GetFileName(plan.StagingPath) == id
                && plan.StagingPath.StartsWith(config.HostMountpoint, StringComparison.Ordinal),
            $"the staging path {plan.StagingPath} is not directly under {config.HostMountpoint}"
        );

        Arguments(plan);
        return Unit.Default;
    }

    private static Unit Arguments(MountPlan plan)
    {
        var mounter = plan.Mounter;
        var arguments = mounter.Arguments;
        var flags = mounter.Kind switch
        {
            MounterKind.S3fs => S3fsFlags,
            MounterKind.Rclone => RcloneFlags,
            _ => MountS3Flags,
        };
        foreach (var argument in arguments)
        {
            Require(argument is not null, $"{mounter.Kind} argv contains null");
            Require(
                !argument!.StartsWith('-') || flags.Contains(argument),
                $"{mounter.Kind} argv contains \"{argument}\", which the mounter reads as an option"
            );
            Require(
                !argument.Contains('\0', StringComparison.Ordinal),
                $"{mounter.Kind} argv contains a NUL character"
            );
        }

        switch (mounter.Kind)
        {
            case MounterKind.MountS3:
                Require(
                    arguments.Length >= 2
                        && arguments[^2] == plan.Location.Bucket
                        && arguments[^1] == plan.StagingPath,
                    $"mount-s3 argv does not end with the bucket and the staging path: {string.Join(' ', arguments)}"
                );
                break;
            case MounterKind.S3fs:
                S3fsOptions(plan, arguments);
                break;
        }

        return Unit.Default;
    }

    // libfuse's fuse_opt.c splits s3fs's -o list at commas and unescapes at backslashes, so a comma
    // or a backslash inside a value would add or change an option.
    private static Unit S3fsOptions(MountPlan plan, ImmutableArray<string> arguments)
    {
        var index = arguments.IndexOf("-o");
        Require(
            index >= 0 && index + 1 < arguments.Length,
            $"s3fs argv has no -o list: {string.Join(' ', arguments)}"
        );
        Require(
            !arguments[index + 1].Contains('\\', StringComparison.Ordinal),
            $"s3fs -o list contains a backslash: {arguments[index + 1]}"
        );
        var items = arguments[index + 1].Split(',');
        var keys = items.Select(item => item.Split('=', 2)[0]).ToList();
        Require(
            keys.All(S3fsOptionKeys.Contains),
            $"s3fs -o list contains an option the hook does not set: {arguments[index + 1]}"
        );
        Require(
            keys.Distinct(StringComparer.Ordinal).Count() == keys.Count,
            $"s3fs -o list repeats an option: {arguments[index + 1]}"
        );
        Require(
            plan.Location.Endpoint is null || items.Contains($"url={plan.Location.Endpoint}"),
            $"s3fs -o list does not carry the endpoint unchanged: {arguments[index + 1]}"
        );
        return Unit.Default;
    }

    // mount-s3 1.x accepts a bucket of 3 to 255 characters of [0-9A-Za-z._-], or an access point ARN.
    private static Unit Bucket(string bucket, bool allowArn)
    {
        var isArn = allowArn && bucket.StartsWith("arn:", StringComparison.Ordinal);
        var isName = bucket.Length is >= 3 and <= 255 && bucket.All(IsNameChar);
        Require(
            !bucket.StartsWith('-'),
            $"the plan accepted the bucket \"{bucket}\", which starts with '-'"
        );
        Require(
            isArn || isName,
            $"the plan accepted the bucket \"{bucket}\", which mount-s3 rejects"
        );
        return Unit.Default;
    }

    private static Unit Target(string source, string target)
    {
        Require(target.StartsWith('/'), $"{source} accepted the relative target \"{target}\"");
        Require(
            !target.Split('/').Any(part => part is "." or ".."),
            $"{source} accepted the target \"{target}\" with a \".\" or \"..\" component"
        );
        Require(target != "/", $"{source} accepted the container root as target");
        Require(
            !target.Any(char.IsControl),
            $"{source} accepted a target with a control character"
        );
        var forbidden = ForbiddenTargetRoots.FirstOrDefault(root =>
            target == root || target.StartsWith(root + "/", StringComparison.Ordinal)
        );
        Require(forbidden is null, $"{source} accepted the target \"{target}\" under {forbidden}");
        return Unit.Default;
    }

    private static Unit Absolute(string field, string path)
    {
        Require(
            path.StartsWith('/') && !path.Any(char.IsControl),
            $"ConfigReader.Parse accepted {field} \"{path}\""
        );
        return Unit.Default;
    }

    private static Unit Directory(string field, string path)
    {
        Absolute(field, path);
        Require(
            path != "/" && !path.Split('/').Any(part => part is "." or ".."),
            $"ConfigReader.Parse accepted {field} \"{path}\""
        );
        return Unit.Default;
    }

    private static IReadOnlyList<string> Print(HookConfig config, MountPlan plan) =>
        PlanPrinter.Mount(
            ExplainInvocation,
            HookStage.Prestart,
            config,
            new Activation.Activation(true, "S3_MOUNT=true"),
            plan
        );

    // Replaces every character of each credential value except control characters, so the masked
    // value passes or fails the hook's checks exactly as the original does, but shares no text with it.
    private static ContainerEnvironment ReplaceCredentials(ContainerEnvironment environment)
    {
        var variables = environment.Variables;
        foreach (var name in CredentialVariables)
        {
            if (environment.Get(name) is { Length: > 0 } value)
            {
                variables = variables.SetItem(name, new string(value.Select(Mask).ToArray()));
            }
        }

        return new ContainerEnvironment(variables);
    }

    private static char Mask(char c) =>
        c switch
        {
            _ when char.IsControl(c) => c,
            'R' => 'S',
            _ => 'R',
        };

    private static bool IsNameChar(char c) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '_' or '-';

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new FuzzBugException(message);
        }
    }
}
