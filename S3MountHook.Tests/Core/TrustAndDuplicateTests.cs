using System.Text;
using S3MountHook.Config;
using S3MountHook.Errors;
using S3MountHook.Plan;
using Xunit;

namespace S3MountHook.Tests.Core;

public sealed class TrustAndDuplicateTests
{
    private const string MinimalConfig = """
        {"activation_flag":"S3_MOUNT","program_path":"/usr/bin/mount-s3",
         "host_mountpoint":"/run/s3/mounts","container_mountpoint":"/mnt/s3"
        """;

    [Fact]
    public void ConfigFieldTwiceRejected()
    {
        var json = MinimalConfig + ""","read_only":true,"read_only":false}""";

        var error = FinAssert.Failure(
            ConfigReader.Parse("/etc/hook.json", Encoding.UTF8.GetBytes(json)),
            HookErrorCode.ConfigInvalid
        );

        Assert.Contains(
            "sets the field \"read_only\" twice",
            error.Message,
            StringComparison.Ordinal
        );
    }

    [Theory]
    [InlineData("AKID:EXTRA")]
    [InlineData("AKID WITH SPACE")]
    public void AccessKeyWithSeparatorRejected(string accessKey)
    {
        var environment = Samples
            .Environment()
            .Where(entry => !entry.StartsWith("AWS_ACCESS_KEY_ID=", StringComparison.Ordinal))
            .Append($"AWS_ACCESS_KEY_ID={accessKey}");

        var error = FinAssert.Failure(
            PlanBuilder.Build(
                Samples.Config(MounterKind.S3fs),
                Samples.State(),
                Samples.Spec(environment)
            ),
            HookErrorCode.EnvValueInvalid
        );

        Assert.Contains(
            "AWS_ACCESS_KEY_ID contains ':' or a space",
            error.Message,
            StringComparison.Ordinal
        );
        Assert.DoesNotContain(accessKey, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(UnixFileMode.GroupWrite)]
    [InlineData(UnixFileMode.OtherWrite)]
    public void WritableConfigRejected(UnixFileMode extra)
    {
        using var directory = new TemporaryDirectory();
        var path = System.IO.Path.Combine(directory.Path, "hook.json");
        File.WriteAllText(path, MinimalConfig + "}");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | extra);

        var error = FinAssert.Failure(ConfigReader.Read(path), HookErrorCode.ConfigInvalid);

        Assert.Contains("is writable by group or others", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WritableParentDirectoryRejected()
    {
        using var directory = new TemporaryDirectory();
        var shared = System.IO.Path.Combine(directory.Path, "shared");
        Directory.CreateDirectory(shared);
        File.SetUnixFileMode(shared, (UnixFileMode)0x1FF);
        var path = System.IO.Path.Combine(shared, "hook.json");
        File.WriteAllText(path, MinimalConfig + "}");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var error = FinAssert.Failure(ConfigReader.Read(path), HookErrorCode.ConfigInvalid);

        Assert.Contains(
            $"(in directory {shared}) is writable by group or others (mode 777)",
            error.Message,
            StringComparison.Ordinal
        );
    }

    [Fact]
    public void StickyParentDirectoryAccepted()
    {
        using var directory = new TemporaryDirectory();
        var shared = System.IO.Path.Combine(directory.Path, "sticky");
        Directory.CreateDirectory(shared);
        File.SetUnixFileMode(shared, (UnixFileMode)0x3FF);
        var path = System.IO.Path.Combine(shared, "hook.json");
        File.WriteAllText(path, MinimalConfig + "}");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var config = FinAssert.Success(ConfigReader.Read(path));

        Assert.Equal("S3_MOUNT", config.ActivationFlag);
    }

    [Fact]
    public void SymlinkToUntrustedFileRejected()
    {
        using var directory = new TemporaryDirectory();
        var shared = System.IO.Path.Combine(directory.Path, "shared");
        Directory.CreateDirectory(shared);
        File.SetUnixFileMode(shared, (UnixFileMode)0x1FF);
        var target = System.IO.Path.Combine(shared, "hook.json");
        File.WriteAllText(target, MinimalConfig + "}");
        File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var link = System.IO.Path.Combine(directory.Path, "link.json");
        File.CreateSymbolicLink(link, target);

        var error = FinAssert.Failure(ConfigReader.Read(link), HookErrorCode.ConfigInvalid);

        Assert.Contains($"(in directory {shared})", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PrivateConfigAccepted()
    {
        using var directory = new TemporaryDirectory();
        var path = System.IO.Path.Combine(directory.Path, "hook.json");
        File.WriteAllText(path, MinimalConfig + "}");
        File.SetUnixFileMode(
            path,
            UnixFileMode.UserRead
                | UnixFileMode.UserWrite
                | UnixFileMode.GroupRead
                | UnixFileMode.OtherRead
        );

        var config = FinAssert.Success(ConfigReader.Read(path));

        Assert.Equal("S3_MOUNT", config.ActivationFlag);
    }

    [Infrastructure.SystemFact(Infrastructure.Requires.Root)]
    public void ForeignOwnedMounterRejected()
    {
        using var directory = new TemporaryDirectory();
        var path = System.IO.Path.Combine(directory.Path, "mounter");
        File.WriteAllText(path, "#!/bin/sh\n");
        File.SetUnixFileMode(
            path,
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        );
        Chown(path, 65534);

        var error = FinAssert.Failure(
            FileTrust.CheckPath(path, "mounter program"),
            HookErrorCode.ConfigInvalid
        );

        Assert.Contains(
            "is owned by uid 65534, not by root",
            error.Message,
            StringComparison.Ordinal
        );
    }

    private static void Chown(string path, int uid)
    {
        var result = Infrastructure.ProcessRunner.Run(
            "chown",
            [uid.ToString(System.Globalization.CultureInfo.InvariantCulture), path],
            TimeSpan.FromSeconds(10)
        );
        Assert.True(result.ExitCode == 0, result.ToString());
    }
}

public sealed class EndpointPolicyTests
{
    [Theory]
    [InlineData("http://127.0.0.1:9000")]
    [InlineData("http://127.8.9.10")]
    [InlineData("http://localhost:9000")]
    [InlineData("http://[::1]:9000")]
    [InlineData("http://[::ffff:127.0.0.1]/")]
    [InlineData("http://169.254.169.254/")]
    [InlineData("http://0.0.0.0:9000")]
    [InlineData("http://[fe80::1]/")]
    public void HostLocalEndpointRejected(string endpoint)
    {
        var error = FinAssert.Failure(
            EndpointPolicy.Check(endpoint, []),
            HookErrorCode.EndpointInvalid
        );

        Assert.Contains("only the host itself can reach", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://s3.eu-west-1.amazonaws.com")]
    [InlineData("http://10.1.2.3:9000")]
    [InlineData("http://minio.storage.svc:9000")]
    public void OrdinaryEndpointAccepted(string endpoint) =>
        Assert.Equal(endpoint, FinAssert.Success(EndpointPolicy.Check(endpoint, [])));

    [Fact]
    public void ListedLoopbackAccepted() =>
        Assert.Equal(
            "http://127.0.0.1:9000",
            FinAssert.Success(EndpointPolicy.Check("http://127.0.0.1:9000", ["127.0.0.1"]))
        );

    [Fact]
    public void ListRestrictsToListedHosts()
    {
        var error = FinAssert.Failure(
            EndpointPolicy.Check("https://other.example", ["s3.internal"]),
            HookErrorCode.EndpointInvalid
        );

        Assert.Contains(
            "is not in allowed_endpoint_hosts",
            error.Message,
            StringComparison.Ordinal
        );
    }
}

public sealed class HookLogTests
{
    [Fact]
    public void LogLineIsOneJsonObject()
    {
        using var directory = new TemporaryDirectory();
        var path = System.IO.Path.Combine(directory.Path, "hook.log");
        var log = new Logging.HookLog(path) { ContainerId = "c1", Stage = "prestart" };

        log.Info("mounted", ("detail", "bucket b"));

        var line = Assert.Single(File.ReadAllLines(path));
        var json = System.Text.Json.JsonDocument.Parse(line).RootElement;
        Assert.Equal("c1", json.GetProperty("container").GetString());
        Assert.Equal("prestart", json.GetProperty("stage").GetString());
        Assert.Equal("mounted", json.GetProperty("event").GetString());
        Assert.Equal("bucket b", json.GetProperty("detail").GetString());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void SymlinkedLogNotFollowed()
    {
        using var directory = new TemporaryDirectory();
        var victim = System.IO.Path.Combine(directory.Path, "victim");
        File.WriteAllText(victim, "");
        var path = System.IO.Path.Combine(directory.Path, "hook.log");
        File.CreateSymbolicLink(path, victim);

        new Logging.HookLog(path).Error("failed", ("error", "x"));

        Assert.Equal("", File.ReadAllText(victim));
    }
}
