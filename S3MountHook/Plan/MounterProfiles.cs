using System.Collections.Immutable;
using S3MountHook.Config;
using S3MountHook.Secrets;

namespace S3MountHook.Plan;

/// <summary>The per-container facts a mounter's command line depends on.</summary>
internal sealed record MountOptions(
    S3Location Location,
    Credentials? Credentials,
    string StagingPath,
    string ContainerDirectory,
    long Uid,
    long Gid,
    bool ReadOnly,
    bool AllowOther,
    bool ForcePathStyle,
    bool DisableInstanceMetadata
);

/// <summary>
/// Builds each mounter's argv, environment and credential files. Every mounter runs in the
/// foreground: the hook detects readiness from the mount table and never waits on the mounter's
/// output, which goes to a log file.
/// </summary>
internal static class MounterProfiles
{
    /// <summary>PATH given to every mounter; mounters run fusermount and nothing else from it.</summary>
    public const string SearchPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>Name of the rclone remote defined through environment variables.</summary>
    public const string RcloneRemote = "S3MOUNTHOOK";

    /// <summary>Builds the command for the configured mounter.</summary>
    public static MounterCommand Build(MounterKind kind, string program, MountOptions options) =>
        kind switch
        {
            MounterKind.S3fs => S3fs(program, options),
            MounterKind.Rclone => Rclone(program, options),
            _ => MountS3(program, options),
        };

    /// <summary>
    /// mount-s3 in foreground mode. Credentials go through the AWS variables of the CRT default
    /// chain. --auto-unmount is never passed: it makes libfuse keep a fusermount helper that
    /// keeps the caller's stdio open for the life of the mount.
    /// </summary>
    private static MounterCommand MountS3(string program, MountOptions options)
    {
        var location = options.Location;
        var arguments = ImmutableArray.CreateBuilder<string>();
        arguments.Add("--foreground");
        AddIf(arguments, location.Prefix.Length > 0, "--prefix", location.Prefix);
        AddIf(arguments, location.Endpoint is not null, "--endpoint-url", location.Endpoint);
        AddIf(
            arguments,
            location.Endpoint is not null && options.ForcePathStyle,
            "--force-path-style"
        );
        AddIf(arguments, location.Region is not null, "--region", location.Region);
        if (options.ReadOnly)
        {
            arguments.Add("--read-only");
        }
        else
        {
            arguments.AddRange("--allow-delete", "--allow-overwrite");
        }

        AddIf(arguments, options.AllowOther, "--allow-other");

        // mount-s3 rejects --uid 0 and --gid 0; root is its default owner anyway.
        AddIf(arguments, options.Uid > 0, "--uid", Number(options.Uid));
        AddIf(arguments, options.Gid > 0, "--gid", Number(options.Gid));
        arguments.AddRange(location.Bucket, options.StagingPath);

        var environment = BaseEnvironment(options);
        if (options.Credentials is { } credentials)
        {
            environment.Add(Variable("AWS_ACCESS_KEY_ID", credentials.AccessKeyId));
            environment.Add(Variable("AWS_SECRET_ACCESS_KEY", credentials.SecretAccessKey));
            AddIf(environment, credentials.SessionToken, "AWS_SESSION_TOKEN");
        }

        return Command(
            MounterKind.MountS3,
            program,
            arguments,
            environment,
            [],
            options.Credentials
        );
    }

    /// <summary>
    /// s3fs in foreground mode. Static keys go in a 0600 passwd file in the container's state
    /// directory. A session token cannot go in that file, so with a token all three values go
    /// through s3fs's AWS_* environment variables instead.
    /// </summary>
    private static MounterCommand S3fs(string program, MountOptions options)
    {
        var location = options.Location;
        var source =
            location.Prefix.Length > 0
                ? $"{location.Bucket}:/{location.Prefix.TrimEnd('/')}"
                : location.Bucket;
        var mountOptions = new List<string>();
        if (location.Endpoint is not null)
        {
            mountOptions.Add($"url={location.Endpoint}");
        }

        if (location.Endpoint is not null && options.ForcePathStyle)
        {
            mountOptions.Add("use_path_request_style");
        }

        if (location.Region is not null)
        {
            mountOptions.Add($"endpoint={location.Region}");
        }

        var files = ImmutableArray.CreateBuilder<CredentialFile>();
        var environment = BaseEnvironment(options);
        if (options.Credentials is { SessionToken: null } keys)
        {
            var passwd = Path.Join(options.ContainerDirectory, "s3fs.passwd");
            files.Add(
                new CredentialFile(
                    passwd,
                    new Secret($"{keys.AccessKeyId.Reveal()}:{keys.SecretAccessKey.Reveal()}\n")
                )
            );
            mountOptions.Add($"passwd_file={passwd}");
        }
        else if (options.Credentials is { } temporary)
        {
            environment.Add(Variable("AWS_ACCESS_KEY_ID", temporary.AccessKeyId));
            environment.Add(Variable("AWS_SECRET_ACCESS_KEY", temporary.SecretAccessKey));
            AddIf(environment, temporary.SessionToken, "AWS_SESSION_TOKEN");
        }
        else
        {
            // NOTE: without static keys s3fs needs iam_role to use instance credentials; that path
            // is only reachable when the config allows instance credentials.
            mountOptions.Add("iam_role=auto");
        }

        mountOptions.Add(options.ReadOnly ? "ro" : "rw");
        AddIf(mountOptions, options.AllowOther, "allow_other");
        AddIf(mountOptions, options.Uid > 0, $"uid={Number(options.Uid)}");
        AddIf(mountOptions, options.Gid > 0, $"gid={Number(options.Gid)}");
        mountOptions.Add("umask=0022");

        ImmutableArray<string> arguments =
        [
            source,
            options.StagingPath,
            "-f",
            "-o",
            string.Join(',', mountOptions),
        ];
        return Command(
            MounterKind.S3fs,
            program,
            arguments.ToBuilder(),
            environment,
            files.ToImmutable(),
            options.Credentials
        );
    }

    /// <summary>
    /// rclone mount in foreground mode, with the remote defined by RCLONE_CONFIG_* variables so
    /// that no config file contains the keys, and an empty config file so that rclone reads no other.
    /// </summary>
    private static MounterCommand Rclone(string program, MountOptions options)
    {
        var location = options.Location;
        var remote = $"{RcloneRemote}:{location.Bucket}/{location.Prefix}".TrimEnd('/');
        var configFile = Path.Join(options.ContainerDirectory, "rclone.conf");
        var arguments = ImmutableArray.CreateBuilder<string>();
        arguments.AddRange("mount", remote, options.StagingPath, "--config", configFile);
        arguments.AddRange("--cache-dir", Path.Join(options.ContainerDirectory, "rclone-cache"));
        // rclone applies its umask to the permissions, and the launcher starts it with umask 077.
        arguments.AddRange(
            "--vfs-cache-mode",
            "writes",
            "--dir-perms",
            "0755",
            "--file-perms",
            "0644",
            "--umask",
            "022"
        );
        AddIf(arguments, options.ReadOnly, "--read-only");
        AddIf(arguments, options.AllowOther, "--allow-other");
        AddIf(arguments, options.Uid > 0, "--uid", Number(options.Uid));
        AddIf(arguments, options.Gid > 0, "--gid", Number(options.Gid));

        var prefix = $"RCLONE_CONFIG_{RcloneRemote}_";
        var environment = BaseEnvironment(options);
        environment.Add(Plain(prefix + "TYPE", "s3"));
        environment.Add(Plain(prefix + "PROVIDER", location.Endpoint is null ? "AWS" : "Other"));
        AddIf(environment, location.Endpoint, prefix + "ENDPOINT");
        AddIf(environment, location.Region, prefix + "REGION");
        environment.Add(
            Plain(prefix + "FORCE_PATH_STYLE", options.ForcePathStyle ? "true" : "false")
        );

        // Without it rclone 1.60 creates a missing bucket on the first write. The container asked
        // for an existing bucket, and its credentials may not be meant to create one.
        environment.Add(Plain(prefix + "NO_CHECK_BUCKET", "true"));
        if (options.Credentials is { } credentials)
        {
            environment.Add(Variable(prefix + "ACCESS_KEY_ID", credentials.AccessKeyId));
            environment.Add(Variable(prefix + "SECRET_ACCESS_KEY", credentials.SecretAccessKey));
            AddIf(environment, credentials.SessionToken, prefix + "SESSION_TOKEN");
        }
        else
        {
            environment.Add(Plain(prefix + "ENV_AUTH", "true"));
        }

        ImmutableArray<CredentialFile> files = [new CredentialFile(configFile, new Secret(""))];
        return Command(
            MounterKind.Rclone,
            program,
            arguments,
            environment,
            files,
            options.Credentials
        );
    }

    private static List<KeyValuePair<string, Secret>> BaseEnvironment(MountOptions options)
    {
        var environment = new List<KeyValuePair<string, Secret>> { Plain("PATH", SearchPath) };
        if (options.DisableInstanceMetadata)
        {
            // Stops the AWS SDKs from reaching 169.254.169.254, which would hand the container the
            // VM's own role and add start-up delays when the address is unreachable.
            environment.Add(Plain("AWS_EC2_METADATA_DISABLED", "true"));
        }

        AddIf(environment, options.Location.Region, "AWS_REGION");
        return environment;
    }

    private static MounterCommand Command(
        MounterKind kind,
        string program,
        ImmutableArray<string>.Builder arguments,
        List<KeyValuePair<string, Secret>> environment,
        ImmutableArray<CredentialFile> files,
        Credentials? credentials
    ) =>
        new(
            kind,
            program,
            arguments.ToImmutable(),
            new MounterEnvironment([.. environment]),
            files,
            CredentialValues(credentials)
        );

    private static ImmutableArray<Secret> CredentialValues(Credentials? credentials) =>
        credentials is null
            ? []
            :
            [
                credentials.AccessKeyId,
                credentials.SecretAccessKey,
                .. credentials.SessionToken is { } token ? [token] : Array.Empty<Secret>(),
            ];

    private static KeyValuePair<string, Secret> Plain(string name, string value) =>
        new(name, new Secret(value));

    private static KeyValuePair<string, Secret> Variable(string name, Secret value) =>
        new(name, value);

    private static void AddIf(
        List<KeyValuePair<string, Secret>> environment,
        Secret? value,
        string name
    )
    {
        if (value is not null)
        {
            environment.Add(Variable(name, value));
        }
    }

    private static void AddIf(
        List<KeyValuePair<string, Secret>> environment,
        string? value,
        string name
    )
    {
        if (value is not null)
        {
            environment.Add(Plain(name, value));
        }
    }

    private static void AddIf(ICollection<string> list, bool condition, params string?[] items)
    {
        if (!condition)
        {
            return;
        }

        foreach (var item in items)
        {
            list.Add(item!);
        }
    }

    private static string Number(long value) =>
        value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
