namespace S3MountHook.Config;

/// <summary>The FUSE client that mounts the bucket.</summary>
internal enum MounterKind
{
    /// <summary>Mountpoint for Amazon S3, the default.</summary>
    MountS3,

    /// <summary>s3fs-fuse, for platforms without a mount-s3 build.</summary>
    S3fs,

    /// <summary>rclone mount, for platforms without a mount-s3 build.</summary>
    Rclone,
}

/// <summary>The names the config file uses for each <see cref="MounterKind"/>.</summary>
internal static class MounterNames
{
    private static readonly (MounterKind Kind, string Name)[] Table =
    [
        (MounterKind.MountS3, "mount-s3"),
        (MounterKind.S3fs, "s3fs"),
        (MounterKind.Rclone, "rclone"),
    ];

    /// <summary>The accepted names, for messages.</summary>
    public static string Listed =>
        string.Join(", ", Table[..^1].Select(entry => $"\"{entry.Name}\""))
        + $" or \"{Table[^1].Name}\"";

    /// <summary>Returns the config name of a mounter, as records, logs and --explain show it.</summary>
    public static string Name(this MounterKind kind) =>
        Table.First(entry => entry.Kind == kind).Name;

    /// <summary>Returns the mounter a config name selects, or null for an unknown name.</summary>
    public static MounterKind? Parse(string name) =>
        Table
            .Where(entry => entry.Name == name)
            .Select(entry => (MounterKind?)entry.Kind)
            .FirstOrDefault();
}

/// <summary>What the hook does when an activated container cannot get its mount.</summary>
internal enum FailurePolicy
{
    /// <summary>Exit non-zero, so the runtime does not start the container.</summary>
    Fail,

    /// <summary>Log the error and exit 0, so the container starts without the bucket.</summary>
    Continue,
}

/// <summary>
/// The hook config file. The first four fields keep the meaning they had in the Go hook this
/// project replaces; the others are optional and have the defaults shown in <see cref="Defaults"/>.
/// </summary>
internal sealed record HookConfig(
    string ActivationFlag,
    string ProgramPath,
    string HostMountpoint,
    string ContainerMountpoint,
    MounterKind Mounter,
    string StateDirectory,
    int MountTimeoutSeconds,
    string? LogPath,
    FailurePolicy OnFailure,
    bool AllowInstanceCredentials,
    bool ForcePathStyle,
    bool ReadOnly,
    bool AllowOther,
    string? DefaultRegion,
    System.Collections.Immutable.ImmutableArray<string> AllowedEndpointHosts = default
)
{
    /// <summary>The config file read when no --config option is given.</summary>
    public const string DefaultPath = "/usr/share/oci/hooks/mountpoint_hookconfig.json";

    /// <summary>Where per-container records and credential files live unless the config sets another.</summary>
    public const string DefaultStateDirectory = "/run/s3mounthook";

    /// <summary>Where the hook logs unless the config sets another.</summary>
    public const string DefaultLogPath = "/run/s3mounthook/hook.log";

    /// <summary>
    /// The values of the optional fields when the config file leaves them out. The required fields'
    /// values here are used only by poststop when the config file is unreadable.
    /// </summary>
    public static HookConfig Defaults { get; } =
        new(
            ActivationFlag: "",
            ProgramPath: "",
            HostMountpoint: DefaultStateDirectory + "/mounts",
            ContainerMountpoint: "/mnt/s3",
            Mounter: MounterKind.MountS3,
            StateDirectory: DefaultStateDirectory,
            MountTimeoutSeconds: 30,
            LogPath: DefaultLogPath,
            OnFailure: FailurePolicy.Fail,
            AllowInstanceCredentials: false,
            ForcePathStyle: true,
            ReadOnly: false,
            AllowOther: true,
            DefaultRegion: null,
            AllowedEndpointHosts: []
        );
}
