using System.Text;
using System.Text.Json.Nodes;
using S3MountHook.Config;
using S3MountHook.Errors;
using Xunit;

namespace S3MountHook.Tests.Core;

public sealed class ConfigReaderTests
{
    private const string Path = "/etc/hook.json";

    private static JsonObject Minimal() =>
        new()
        {
            ["activation_flag"] = "S3_MOUNT",
            ["program_path"] = "/usr/bin/mount-s3",
            ["host_mountpoint"] = "/run/s3/mounts",
            ["container_mountpoint"] = "/mnt/s3",
        };

    private static string Parse(JsonObject config) => Parse(config.ToJsonString());

    private static string Parse(string json) =>
        FinAssert
            .Failure(
                ConfigReader.Parse(Path, Encoding.UTF8.GetBytes(json)),
                HookErrorCode.ConfigInvalid
            )
            .Message;

    private static HookConfig ParseValid(JsonObject config) =>
        FinAssert.Success(ConfigReader.Parse(Path, Encoding.UTF8.GetBytes(config.ToJsonString())));

    private static JsonObject With(string field, JsonNode? value)
    {
        var config = Minimal();
        config[field] = value;
        return config;
    }

    [Fact]
    public void ParseFullConfigMapsEveryField()
    {
        var json = """
            {
              "activation_flag": "S3_MOUNT",
              "program_path": "/usr/bin/s3fs",
              "host_mountpoint": "/var/lib/s3/mounts/",
              "container_mountpoint": "//mnt//data/",
              "mounter": "s3fs",
              "state_directory": "/var/lib/s3",
              "mount_timeout_seconds": 45,
              "log_path": "/var/log/s3mounthook.log",
              "on_failure": "continue",
              "allow_instance_credentials": true,
              "force_path_style": false,
              "read_only": true,
              "allow_other": false,
              "default_region": "eu-west-1",
              "allowed_endpoint_hosts": ["S3.Internal", "127.0.0.1"]
            }
            """;
        var expected = new HookConfig(
            ActivationFlag: "S3_MOUNT",
            ProgramPath: "/usr/bin/s3fs",
            HostMountpoint: "/var/lib/s3/mounts",
            ContainerMountpoint: "/mnt/data",
            Mounter: MounterKind.S3fs,
            StateDirectory: "/var/lib/s3",
            MountTimeoutSeconds: 45,
            LogPath: "/var/log/s3mounthook.log",
            OnFailure: FailurePolicy.Continue,
            AllowInstanceCredentials: true,
            ForcePathStyle: false,
            ReadOnly: true,
            AllowOther: false,
            DefaultRegion: "eu-west-1"
        );

        var config = FinAssert.Success(ConfigReader.Parse(Path, Encoding.UTF8.GetBytes(json)));

        // ImmutableArray compares by reference inside record equality, so the list is checked alone.
        Assert.Equal(expected with { AllowedEndpointHosts = config.AllowedEndpointHosts }, config);
        Assert.Equal(["s3.internal", "127.0.0.1"], config.AllowedEndpointHosts.ToArray());
    }

    [Fact]
    public void ParseMinimalConfigKeepsDefaults()
    {
        var expected = HookConfig.Defaults with
        {
            ActivationFlag = "S3_MOUNT",
            ProgramPath = "/usr/bin/mount-s3",
            HostMountpoint = "/run/s3/mounts",
            ContainerMountpoint = "/mnt/s3",
        };

        Assert.Equal(expected, ParseValid(Minimal()));
    }

    [Theory]
    [InlineData("activation_flag")]
    [InlineData("program_path")]
    [InlineData("host_mountpoint")]
    [InlineData("container_mountpoint")]
    public void ParseMissingRequiredFieldNamesIt(string field)
    {
        var config = Minimal();
        config.Remove(field);

        var message = Parse(config);

        Assert.Equal($"hook config {Path} lacks the required field \"{field}\"", message);
    }

    [Fact]
    public void ParseUnknownFieldNamesIt()
    {
        var message = Parse(With("read_onyl", true));

        Assert.Contains(
            "field \"read_onyl\" is not a known field",
            message,
            StringComparison.Ordinal
        );
    }

    [Theory]
    [InlineData("activation_flag", "5", "must be a string, not number")]
    [InlineData("program_path", "true", "must be a string, not true")]
    [InlineData("mounter", "null", "must be a string, not null")]
    [InlineData("log_path", "false", "must be a string, not false")]
    [InlineData("log_path", "[]", "must be a string, not array")]
    [InlineData("read_only", "\"true\"", "must be true or false, not string")]
    [InlineData("allow_other", "1", "must be true or false, not number")]
    [InlineData("allow_instance_credentials", "null", "must be true or false, not null")]
    [InlineData("force_path_style", "{}", "must be true or false, not object")]
    [InlineData("mount_timeout_seconds", "\"30\"", "must be a whole number from 1 to 600")]
    [InlineData("mount_timeout_seconds", "null", "must be a whole number from 1 to 600")]
    public void ParseWrongTypeNamesField(string field, string value, string problem)
    {
        var message = Parse(With(field, JsonNode.Parse(value)));

        Assert.Equal($"hook config {Path}: field \"{field}\" {problem}", message);
    }

    [Fact]
    public void ParseNullLogPathDisablesLog()
    {
        var config = ParseValid(With("log_path", null));

        Assert.Null(config.LogPath);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("601")]
    [InlineData("1.5")]
    [InlineData("2147483648")]
    public void ParseTimeoutOutOfRangeFails(string value)
    {
        var message = Parse(With("mount_timeout_seconds", JsonNode.Parse(value)));

        Assert.Contains(
            "field \"mount_timeout_seconds\" must be a whole number from 1 to 600",
            message,
            StringComparison.Ordinal
        );
    }

    [Theory]
    [InlineData(1)]
    [InlineData(600)]
    public void ParseTimeoutBoundsAccepted(int seconds)
    {
        var config = ParseValid(With("mount_timeout_seconds", seconds));

        Assert.Equal(seconds, config.MountTimeoutSeconds);
    }

    [Theory]
    [InlineData("mount-s3", nameof(MounterKind.MountS3))]
    [InlineData("s3fs", nameof(MounterKind.S3fs))]
    [InlineData("rclone", nameof(MounterKind.Rclone))]
    public void ParseMounterNames(string name, string expected)
    {
        var config = ParseValid(With("mounter", name));

        Assert.Equal(Enum.Parse<MounterKind>(expected), config.Mounter);
    }

    [Theory]
    [InlineData("goofys")]
    [InlineData("MOUNT-S3")]
    [InlineData("")]
    public void ParseBadMounterFails(string name)
    {
        var message = Parse(With("mounter", name));

        Assert.Contains(
            $"field \"mounter\" must be \"mount-s3\", \"s3fs\" or \"rclone\", not \"{name}\"",
            message,
            StringComparison.Ordinal
        );
    }

    [Theory]
    [InlineData("ignore")]
    [InlineData("Fail")]
    public void ParseBadFailurePolicyFails(string policy)
    {
        var message = Parse(With("on_failure", policy));

        Assert.Contains(
            $"field \"on_failure\" must be \"fail\" or \"continue\", not \"{policy}\"",
            message,
            StringComparison.Ordinal
        );
    }

    [Theory]
    [InlineData("S3-MOUNT")]
    [InlineData("1FLAG")]
    [InlineData("")]
    [InlineData("S3 MOUNT")]
    [InlineData("S3_MOUNT=true")]
    public void ParseBadActivationFlagFails(string flag)
    {
        var message = Parse(With("activation_flag", flag));

        Assert.Contains(
            "field \"activation_flag\" must be an environment variable name",
            message,
            StringComparison.Ordinal
        );
    }

    [Theory]
    [InlineData("_FLAG")]
    [InlineData("s3_mount2")]
    public void ParseActivationFlagAccepted(string flag)
    {
        var config = ParseValid(With("activation_flag", flag));

        Assert.Equal(flag, config.ActivationFlag);
    }

    [Theory]
    [InlineData("program_path", "bin/mount-s3")]
    [InlineData("program_path", "")]
    [InlineData("host_mountpoint", "mounts")]
    [InlineData("host_mountpoint", "/")]
    [InlineData("host_mountpoint", "/run/../etc")]
    [InlineData("state_directory", "state")]
    [InlineData("state_directory", "/run/./s3")]
    [InlineData("log_path", "hook.log")]
    public void ParseBadPathNamesField(string field, string value)
    {
        var message = Parse(With(field, value));

        Assert.Contains($"\"{field}\"", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mnt/s3")]
    [InlineData("/proc/s3")]
    [InlineData("/mnt/../s3")]
    public void ParseBadContainerMountpointFails(string value)
    {
        var message = Parse(With("container_mountpoint", value));

        Assert.Contains(
            $"mount target \"{value}\" from container_mountpoint is invalid",
            message,
            StringComparison.Ordinal
        );
    }

    [Theory]
    [InlineData("{")]
    [InlineData("[]")]
    [InlineData("\"text\"")]
    [InlineData("""{"activation_flag":"A",}""")]
    public void ParseMalformedJsonFails(string json)
    {
        var message = Parse(json);

        Assert.StartsWith($"hook config {Path} ", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"log_path\":\"/var/log/\\ud800\"")]
    [InlineData("\"log_path\":\"/var/log/\\udc00\\ud800\"")]
    [InlineData("\"\\ud800\":true")]
    public void ParseUnpairedSurrogateFails(string field)
    {
        var json = Minimal().ToJsonString().TrimEnd('}') + "," + field + "}";

        var message = Parse(json);

        Assert.StartsWith($"hook config {Path} ", message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseInvalidUtf8Fails()
    {
        var prefix = Encoding.UTF8.GetBytes(
            Minimal().ToJsonString().TrimEnd('}') + ",\"log_path\":\"/var/log/"
        );
        byte[] json = [.. prefix, 0xE3, 0x28, (byte)'"', (byte)'}'];

        var message = FinAssert
            .Failure(ConfigReader.Parse(Path, json), HookErrorCode.ConfigInvalid)
            .Message;

        Assert.StartsWith($"hook config {Path} ", message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadMissingFileSaysSo()
    {
        using var directory = new TemporaryDirectory();
        var path = System.IO.Path.Join(directory.Path, "missing.json");

        var message = FinAssert
            .Failure(ConfigReader.Read(path), HookErrorCode.ConfigInvalid)
            .Message;

        Assert.Equal(
            $"hook config {path} does not exist; install it or pass --config PATH",
            message
        );
    }

    [Fact]
    public void ReadMissingDirectorySaysSo()
    {
        using var directory = new TemporaryDirectory();
        var path = System.IO.Path.Join(directory.Path, "absent", "hook.json");

        var message = FinAssert
            .Failure(ConfigReader.Read(path), HookErrorCode.ConfigInvalid)
            .Message;

        Assert.Equal(
            $"hook config {path} does not exist; install it or pass --config PATH",
            message
        );
    }

    [Fact]
    public void ReadValidFileParses()
    {
        using var directory = new TemporaryDirectory();
        var path = System.IO.Path.Join(directory.Path, "hook.json");
        File.WriteAllText(path, Minimal().ToJsonString());

        var config = FinAssert.Success(ConfigReader.Read(path));

        Assert.Equal("/usr/bin/mount-s3", config.ProgramPath);
    }
}
