using System.Text.Json;
using System.Text.Json.Nodes;

namespace S3MountHook.Tests.Infrastructure;

/// <summary>One entry of the OCI config's <c>hooks</c> section.</summary>
/// <param name="Path">Absolute path of the program on the host (inside the container for startContainer hooks).</param>
/// <param name="Args">argv, including argv[0]; runc passes exactly this array. Null omits the field.</param>
/// <param name="Env">Environment as NAME=VALUE strings; the hook gets nothing else. Null omits the field.</param>
/// <param name="TimeoutSeconds">Seconds after which the runtime kills the hook. Null omits the field.</param>
public sealed record OciHook(
    string Path,
    IReadOnlyList<string>? Args = null,
    IReadOnlyList<string>? Env = null,
    int? TimeoutSeconds = null
);

/// <summary>
/// An OCI bundle in a temporary directory: a rootfs with a statically linked busybox and applet links,
/// and a config.json like the one <c>runc spec</c> (runc 1.1.5) writes, with the process, user, root
/// read-only flag, hostname, annotations and hooks set from the properties. Call <see cref="Write"/>
/// after changing properties and before running the bundle.
/// </summary>
public sealed class BusyboxBundle : IDisposable
{
    /// <summary>Applets linked in /bin of the rootfs.</summary>
    public static readonly IReadOnlyList<string> Applets =
    [
        "sh",
        "ls",
        "cat",
        "sleep",
        "mount",
        "umount",
        "grep",
        "wc",
        "echo",
        "hostname",
        "id",
        "test",
        "stat",
        "touch",
        "mkdir",
        "rm",
        "head",
        "true",
        "false",
        "env",
        "df",
    ];

    /// <summary>Creates the bundle directory and its rootfs; <paramref name="args"/> is the container's process.</summary>
    public BusyboxBundle(params string[] args)
    {
        BundleDirectory = Directory.CreateTempSubdirectory("e2e-bundle-").FullName;
        Args = [.. args];
        CreateRootfs();
    }

    /// <summary>The bundle directory (runc's --bundle).</summary>
    public string BundleDirectory { get; }

    /// <summary>The rootfs directory inside the bundle.</summary>
    public string RootfsDirectory => Path.Combine(BundleDirectory, "rootfs");

    /// <summary>Path of config.json.</summary>
    public string ConfigPath => Path.Combine(BundleDirectory, "config.json");

    /// <summary>The container process's argv.</summary>
    public List<string> Args { get; set; }

    /// <summary>The container process's environment; PATH is set by default.</summary>
    public Dictionary<string, string> Env { get; } =
        new(StringComparer.Ordinal) { ["PATH"] = "/bin" };

    /// <summary>User id of the container process.</summary>
    public uint Uid { get; set; }

    /// <summary>Group id of the container process.</summary>
    public uint Gid { get; set; }

    /// <summary>Supplementary group ids of the container process.</summary>
    public List<uint> AdditionalGids { get; } = [];

    /// <summary><c>root.readonly</c>; true like <c>runc spec</c>.</summary>
    public bool ReadonlyRootfs { get; set; } = true;

    /// <summary>Hostname inside the container's UTS namespace.</summary>
    public string Hostname { get; set; } = "e2e-busybox";

    /// <summary>Working directory of the container process.</summary>
    public string Cwd { get; set; } = "/";

    /// <summary>Config annotations, which runc also copies into the state that hooks read.</summary>
    public Dictionary<string, string> Annotations { get; } = new(StringComparer.Ordinal);

    /// <summary>Extra mounts appended after the default ones, as OCI mount objects.</summary>
    public List<JsonObject> ExtraMounts { get; } = [];

    /// <summary>prestart hooks (deprecated in the OCI spec, still run by runc 1.1).</summary>
    public List<OciHook> Prestart { get; } = [];

    /// <summary>createRuntime hooks.</summary>
    public List<OciHook> CreateRuntime { get; } = [];

    /// <summary>createContainer hooks.</summary>
    public List<OciHook> CreateContainer { get; } = [];

    /// <summary>startContainer hooks; their paths are resolved inside the container.</summary>
    public List<OciHook> StartContainer { get; } = [];

    /// <summary>poststart hooks.</summary>
    public List<OciHook> Poststart { get; } = [];

    /// <summary>poststop hooks.</summary>
    public List<OciHook> Poststop { get; } = [];

    /// <summary>Creates a directory below the rootfs and returns its host path.</summary>
    public string CreateRootfsDirectory(string relativePath)
    {
        var path = RootfsPath(relativePath);
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Writes a file below the rootfs and returns its host path.</summary>
    public string WriteRootfsFile(string relativePath, string content)
    {
        var path = RootfsPath(relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>Appends a bind mount of host <paramref name="source"/> at <paramref name="destination"/>.</summary>
    public void AddBindMount(string source, string destination, bool readOnly = false)
    {
        var options = new JsonArray("rbind", "rprivate");
        if (readOnly)
        {
            options.Add("ro");
        }

        ExtraMounts.Add(
            new JsonObject
            {
                ["destination"] = destination,
                ["type"] = "bind",
                ["source"] = source,
                ["options"] = options,
            }
        );
    }

    /// <summary>Writes config.json from the current properties.</summary>
    public void Write() =>
        File.WriteAllText(
            ConfigPath,
            BuildConfig().ToJsonString(new JsonSerializerOptions { WriteIndented = true })
        );

    /// <summary>Builds the config.json document from the current properties.</summary>
    public JsonObject BuildConfig()
    {
        var config = new JsonObject
        {
            ["ociVersion"] = "1.0.2-dev",
            ["process"] = BuildProcess(),
            ["root"] = new JsonObject { ["path"] = "rootfs", ["readonly"] = ReadonlyRootfs },
            ["hostname"] = Hostname,
            ["mounts"] = BuildMounts(ExtraMounts),
            ["linux"] = BuildLinux(),
        };

        var hooks = BuildHooks();
        if (hooks.Count > 0)
        {
            config["hooks"] = hooks;
        }

        if (Annotations.Count > 0)
        {
            var annotations = new JsonObject();
            foreach (var (name, value) in Annotations)
            {
                annotations[name] = value;
            }

            config["annotations"] = annotations;
        }

        return config;
    }

    /// <summary>
    /// Deletes the bundle directory. It refuses while anything is mounted below the bundle, because a
    /// recursive delete through a live S3 mount would delete the bucket's objects.
    /// </summary>
    public void Dispose()
    {
        var prefix = Leftovers.EscapeMountInfoPath(BundleDirectory) + "/";
        var mountsBelow = File.ReadLines("/proc/self/mountinfo")
            .Select(line => line.Split(' ')[4])
            .Where(mountPoint => mountPoint.StartsWith(prefix, StringComparison.Ordinal))
            .ToList();
        if (mountsBelow.Count > 0)
        {
            throw new InvalidOperationException(
                $"Not deleting bundle {BundleDirectory}: still mounted below it: {string.Join(", ", mountsBelow)}. Unmount them first."
            );
        }

        Directory.Delete(BundleDirectory, recursive: true);
    }

    private static JsonArray ToJsonArray(IEnumerable<string> values) =>
        new([.. values.Select(value => (JsonNode)value)]);

    private static JsonObject BuildHook(OciHook hook)
    {
        var entry = new JsonObject { ["path"] = hook.Path };
        if (hook.Args is not null)
        {
            entry["args"] = ToJsonArray(hook.Args);
        }

        if (hook.Env is not null)
        {
            entry["env"] = ToJsonArray(hook.Env);
        }

        if (hook.TimeoutSeconds is not null)
        {
            entry["timeout"] = hook.TimeoutSeconds.Value;
        }

        return entry;
    }

    // The default mounts, masked paths and read-only paths are those of `runc spec` in runc 1.1.5.
    private static JsonArray BuildMounts(IEnumerable<JsonObject> extraMounts) =>
        [
            Mount("/proc", "proc", "proc"),
            Mount("/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k"),
            Mount(
                "/dev/pts",
                "devpts",
                "devpts",
                "nosuid",
                "noexec",
                "newinstance",
                "ptmxmode=0666",
                "mode=0620",
                "gid=5"
            ),
            Mount(
                "/dev/shm",
                "tmpfs",
                "shm",
                "nosuid",
                "noexec",
                "nodev",
                "mode=1777",
                "size=65536k"
            ),
            Mount("/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev"),
            Mount("/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev", "ro"),
            Mount(
                "/sys/fs/cgroup",
                "cgroup",
                "cgroup",
                "nosuid",
                "noexec",
                "nodev",
                "relatime",
                "ro"
            ),
            .. extraMounts.Select(mount => mount.DeepClone()),
        ];

    private static JsonObject Mount(
        string destination,
        string type,
        string source,
        params string[] options
    )
    {
        var mount = new JsonObject
        {
            ["destination"] = destination,
            ["type"] = type,
            ["source"] = source,
        };
        if (options.Length > 0)
        {
            mount["options"] = ToJsonArray(options);
        }

        return mount;
    }

    private static JsonObject BuildLinux() =>
        new()
        {
            ["resources"] = new JsonObject
            {
                ["devices"] = new JsonArray(
                    new JsonObject { ["allow"] = false, ["access"] = "rwm" }
                ),
            },
            ["namespaces"] = new JsonArray(
                new JsonObject { ["type"] = "pid" },
                new JsonObject { ["type"] = "network" },
                new JsonObject { ["type"] = "ipc" },
                new JsonObject { ["type"] = "uts" },
                new JsonObject { ["type"] = "mount" }
            ),
            ["maskedPaths"] = ToJsonArray([
                "/proc/acpi",
                "/proc/asound",
                "/proc/kcore",
                "/proc/keys",
                "/proc/latency_stats",
                "/proc/timer_list",
                "/proc/timer_stats",
                "/proc/sched_debug",
                "/sys/firmware",
                "/proc/scsi",
            ]),
            ["readonlyPaths"] = ToJsonArray([
                "/proc/bus",
                "/proc/fs",
                "/proc/irq",
                "/proc/sys",
                "/proc/sysrq-trigger",
            ]),
        };

    private string RootfsPath(string relativePath) =>
        Path.Combine(RootfsDirectory, relativePath.TrimStart('/'));

    private void CreateRootfs()
    {
        var bin = CreateRootfsDirectory("bin");
        File.Copy(Requirements.BusyboxPath, Path.Combine(bin, "busybox"));
        foreach (var applet in Applets)
        {
            File.CreateSymbolicLink(Path.Combine(bin, applet), "busybox");
        }

        foreach (var directory in new[] { "proc", "sys", "dev", "etc", "tmp", "mnt" })
        {
            CreateRootfsDirectory(directory);
        }
    }

    private JsonObject BuildProcess()
    {
        var capabilities = ToJsonArray(["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]);
        var user = new JsonObject { ["uid"] = Uid, ["gid"] = Gid };
        if (AdditionalGids.Count > 0)
        {
            user["additionalGids"] = new JsonArray([
                .. AdditionalGids.Select(gid => (JsonNode)gid),
            ]);
        }

        return new JsonObject
        {
            ["terminal"] = false,
            ["user"] = user,
            ["args"] = ToJsonArray(Args),
            ["env"] = ToJsonArray(Env.Select(pair => $"{pair.Key}={pair.Value}")),
            ["cwd"] = Cwd,
            ["capabilities"] = new JsonObject
            {
                ["bounding"] = capabilities.DeepClone(),
                ["effective"] = capabilities.DeepClone(),
                ["permitted"] = capabilities.DeepClone(),
                ["ambient"] = capabilities.DeepClone(),
            },
            ["rlimits"] = new JsonArray(
                new JsonObject
                {
                    ["type"] = "RLIMIT_NOFILE",
                    ["hard"] = 1024,
                    ["soft"] = 1024,
                }
            ),
            ["noNewPrivileges"] = true,
        };
    }

    private JsonObject BuildHooks()
    {
        var hooks = new JsonObject();
        AddHooks(hooks, "prestart", Prestart);
        AddHooks(hooks, "createRuntime", CreateRuntime);
        AddHooks(hooks, "createContainer", CreateContainer);
        AddHooks(hooks, "startContainer", StartContainer);
        AddHooks(hooks, "poststart", Poststart);
        AddHooks(hooks, "poststop", Poststop);
        return hooks;
    }

    private static void AddHooks(JsonObject hooks, string stage, List<OciHook> entries)
    {
        if (entries.Count > 0)
        {
            hooks[stage] = new JsonArray([.. entries.Select(hook => (JsonNode)BuildHook(hook))]);
        }
    }
}
