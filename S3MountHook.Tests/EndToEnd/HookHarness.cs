using System.Text.Json.Nodes;
using S3MountHook.Tests.Infrastructure;
using Xunit;

namespace S3MountHook.Tests.EndToEnd;

/// <summary>
/// The hook as a runtime runs it: the binary, a config file in a private temporary directory with
/// its own state directory, staging parent and log, and the hook entries for a bundle. Each test
/// gets its own harness, so tests never share state.
/// </summary>
public sealed class HookHarness : IDisposable
{
    /// <summary>The activation flag every harness config uses.</summary>
    public const string Flag = "S3_MOUNT";

    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("s3mh-e2e-");

    /// <summary>Creates a harness whose config selects <paramref name="mounter"/>.</summary>
    public HookHarness(string mounter, JsonObject? extraConfig = null)
    {
        Mounter = mounter;
        var config = new JsonObject
        {
            ["activation_flag"] = Flag,
            ["program_path"] = ProgramFor(mounter),
            ["host_mountpoint"] = HostMountpoint,
            ["container_mountpoint"] = "/mnt/s3",
            ["mounter"] = mounter,
            ["state_directory"] = StateDirectory,
            ["log_path"] = LogPath,
            ["mount_timeout_seconds"] = 20,

            // The test S3 server listens on loopback, which the hook refuses unless listed.
            ["allowed_endpoint_hosts"] = new JsonArray("127.0.0.1"),
        };
        foreach (var (name, value) in extraConfig ?? [])
        {
            config[name] = value?.DeepClone();
        }

        File.WriteAllText(ConfigPath, config.ToJsonString());

        // The hook's own directories, as an installed hook has them after its first container:
        // leftover checks then look for what one container's run adds below them.
        Directory.CreateDirectory(
            Path.Combine(StateDirectory, "containers"),
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        );
        Directory.CreateDirectory(
            Path.Combine(StateDirectory, "locks"),
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        );
        Directory.CreateDirectory(
            HostMountpoint,
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        );
    }

    /// <summary>Returns every file and directory below the hook's directories.</summary>
    public IReadOnlyList<string> Entries() =>
        WatchedDirectories
            .SelectMany(directory =>
                Directory.EnumerateFileSystemEntries(directory, "*", SearchOption.AllDirectories)
            )
            .ToList();

    /// <summary>The hook binary: $S3MOUNTHOOK_BINARY (the AOT build in CI), else the build next to the tests.</summary>
    public static string BinaryPath =>
        Environment.GetEnvironmentVariable("S3MOUNTHOOK_BINARY") is { Length: > 0 } path
            ? path
            : Path.Combine(AppContext.BaseDirectory, "s3mounthook");

    /// <summary>The mounter named in the config: "s3fs", "rclone" or "mount-s3".</summary>
    public string Mounter { get; }

    /// <summary>The hook config file.</summary>
    public string ConfigPath => Path.Combine(work.FullName, "hookconfig.json");

    /// <summary>The hook's state directory.</summary>
    public string StateDirectory => Path.Combine(work.FullName, "state");

    /// <summary>The parent of the per-container staging mounts.</summary>
    public string HostMountpoint => Path.Combine(work.FullName, "mounts");

    /// <summary>The hook's JSON log.</summary>
    public string LogPath => Path.Combine(work.FullName, "hook.log");

    /// <summary>The log's text, or "" before the first line.</summary>
    public string LogText => File.Exists(LogPath) ? File.ReadAllText(LogPath) : "";

    /// <summary>Every path the hook may create files or mounts under.</summary>
    public string[] WatchedDirectories => [StateDirectory, HostMountpoint];

    /// <summary>Returns the program path the config names for a mounter.</summary>
    public static string ProgramFor(string mounter) =>
        mounter switch
        {
            "s3fs" => "/usr/bin/s3fs",
            "rclone" => "/usr/bin/rclone",
            _ => RepositoryPaths.MountS3Double,
        };

    /// <summary>Adds the hook to a bundle as prestart and poststop, the way runc configs name it.</summary>
    public void Register(BusyboxBundle bundle)
    {
        string[] environment =
        [
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        ];
        bundle.Prestart.Add(
            new OciHook(
                BinaryPath,
                ["s3mounthook", "--config", ConfigPath, "prestart"],
                environment,
                40
            )
        );
        bundle.Poststop.Add(
            new OciHook(
                BinaryPath,
                ["s3mounthook", "--config", ConfigPath, "poststop"],
                environment,
                30
            )
        );
    }

    /// <summary>Sets the container variables that ask for <paramref name="bucket"/> on the test server.</summary>
    public static void RequestMount(
        BusyboxBundle bundle,
        S3ServerFixture server,
        string bucket,
        string secretKey
    )
    {
        bundle.Env[Flag] = "true";
        bundle.Env["S3_BUCKET"] = bucket;
        bundle.Env["S3_ENDPOINT_URL"] = server.EndpointUrl;
        bundle.Env["AWS_REGION"] = S3ServerFixture.Region;
        bundle.Env["AWS_ACCESS_KEY_ID"] = S3ServerFixture.AccessKey;
        bundle.Env["AWS_SECRET_ACCESS_KEY"] = secretKey;
    }

    /// <summary>
    /// Creates a bundle whose container requests <paramref name="bucket"/> at /mnt/s3 (created in
    /// the image) and runs <paramref name="args"/>, with this hook registered.
    /// </summary>
    public BusyboxBundle NewBundle(
        S3ServerFixture server,
        string bucket,
        string secretKey,
        params string[] args
    )
    {
        var bundle = new BusyboxBundle(args);
        RequestMount(bundle, server, bucket, secretKey);
        bundle.CreateRootfsDirectory("mnt/s3");
        Register(bundle);
        return bundle;
    }

    /// <summary>Runs the hook directly with an OCI state on stdin.</summary>
    public ProcessResult Run(string stdin, params string[] arguments) =>
        ProcessRunner.Run(
            BinaryPath,
            ["--config", ConfigPath, .. arguments],
            TimeSpan.FromSeconds(60),
            stdin: stdin
        );

    /// <summary>The state JSON a runtime would write for a container.</summary>
    public static string State(string id, string status, int pid, string bundle) =>
        new JsonObject
        {
            ["ociVersion"] = "1.0.2",
            ["id"] = id,
            ["status"] = status,
            ["pid"] = pid,
            ["bundle"] = bundle,
        }.ToJsonString();

    /// <inheritdoc/>
    public void Dispose()
    {
        // Nothing may be mounted below: a recursive delete through a live mount would delete objects.
        if (
            Leftovers
                .Take()
                .FuseMounts.Any(mount => mount.StartsWith(work.FullName, StringComparison.Ordinal))
        )
        {
            return;
        }

        work.Delete(recursive: true);
    }
}
