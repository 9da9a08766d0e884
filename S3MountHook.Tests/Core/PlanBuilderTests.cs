using S3MountHook.Config;
using S3MountHook.Errors;
using S3MountHook.Plan;
using Xunit;

namespace S3MountHook.Tests.Core;

public sealed class PlanBuilderTests
{
    private const string PasswdPath = Samples.ContainerDirectory + "/s3fs.passwd";
    private const string RclonePrefix = "RCLONE_CONFIG_S3MOUNTHOOK_";

    public static TheoryData<string> Mounters =>
        new() { nameof(MounterKind.MountS3), nameof(MounterKind.S3fs), nameof(MounterKind.Rclone) };

    public static TheoryData<string, bool, string[]> Arguments =>
        new()
        {
            {
                nameof(MounterKind.MountS3),
                false,
                [
                    "--foreground",
                    "--prefix",
                    "team/data/",
                    "--endpoint-url",
                    "http://127.0.0.1:9000",
                    "--force-path-style",
                    "--region",
                    "eu-west-1",
                    "--allow-delete",
                    "--allow-overwrite",
                    "--allow-other",
                    "--uid",
                    "1000",
                    "--gid",
                    "1000",
                    "my-bucket",
                    Samples.StagingPath,
                ]
            },
            {
                nameof(MounterKind.MountS3),
                true,
                [
                    "--foreground",
                    "--prefix",
                    "team/data/",
                    "--endpoint-url",
                    "http://127.0.0.1:9000",
                    "--force-path-style",
                    "--region",
                    "eu-west-1",
                    "--read-only",
                    "--allow-other",
                    "--uid",
                    "1000",
                    "--gid",
                    "1000",
                    "my-bucket",
                    Samples.StagingPath,
                ]
            },
            {
                nameof(MounterKind.S3fs),
                false,
                [
                    "my-bucket:/team/data",
                    Samples.StagingPath,
                    "-f",
                    "-o",
                    $"url=http://127.0.0.1:9000,use_path_request_style,endpoint=eu-west-1,passwd_file={PasswdPath},rw,allow_other,uid=1000,gid=1000,umask=0022",
                ]
            },
            {
                nameof(MounterKind.S3fs),
                true,
                [
                    "my-bucket:/team/data",
                    Samples.StagingPath,
                    "-f",
                    "-o",
                    $"url=http://127.0.0.1:9000,use_path_request_style,endpoint=eu-west-1,passwd_file={PasswdPath},ro,allow_other,uid=1000,gid=1000,umask=0022",
                ]
            },
            {
                nameof(MounterKind.Rclone),
                false,
                [
                    "mount",
                    "S3MOUNTHOOK:my-bucket/team/data",
                    Samples.StagingPath,
                    "--config",
                    Samples.ContainerDirectory + "/rclone.conf",
                    "--cache-dir",
                    Samples.ContainerDirectory + "/rclone-cache",
                    "--vfs-cache-mode",
                    "writes",
                    "--dir-perms",
                    "0755",
                    "--file-perms",
                    "0644",
                    "--umask",
                    "022",
                    "--allow-other",
                    "--uid",
                    "1000",
                    "--gid",
                    "1000",
                ]
            },
            {
                nameof(MounterKind.Rclone),
                true,
                [
                    "mount",
                    "S3MOUNTHOOK:my-bucket/team/data",
                    Samples.StagingPath,
                    "--config",
                    Samples.ContainerDirectory + "/rclone.conf",
                    "--cache-dir",
                    Samples.ContainerDirectory + "/rclone-cache",
                    "--vfs-cache-mode",
                    "writes",
                    "--dir-perms",
                    "0755",
                    "--file-perms",
                    "0644",
                    "--umask",
                    "022",
                    "--read-only",
                    "--allow-other",
                    "--uid",
                    "1000",
                    "--gid",
                    "1000",
                ]
            },
        };

    public static TheoryData<string, bool, string[]> EnvironmentNames =>
        new()
        {
            {
                nameof(MounterKind.MountS3),
                false,
                [
                    "PATH",
                    "AWS_EC2_METADATA_DISABLED",
                    "AWS_REGION",
                    "AWS_ACCESS_KEY_ID",
                    "AWS_SECRET_ACCESS_KEY",
                ]
            },
            {
                nameof(MounterKind.MountS3),
                true,
                [
                    "PATH",
                    "AWS_EC2_METADATA_DISABLED",
                    "AWS_REGION",
                    "AWS_ACCESS_KEY_ID",
                    "AWS_SECRET_ACCESS_KEY",
                    "AWS_SESSION_TOKEN",
                ]
            },
            {
                nameof(MounterKind.S3fs),
                false,
                ["PATH", "AWS_EC2_METADATA_DISABLED", "AWS_REGION"]
            },
            {
                nameof(MounterKind.S3fs),
                true,
                [
                    "PATH",
                    "AWS_EC2_METADATA_DISABLED",
                    "AWS_REGION",
                    "AWS_ACCESS_KEY_ID",
                    "AWS_SECRET_ACCESS_KEY",
                    "AWS_SESSION_TOKEN",
                ]
            },
            {
                nameof(MounterKind.Rclone),
                false,
                [
                    "PATH",
                    "AWS_EC2_METADATA_DISABLED",
                    "AWS_REGION",
                    RclonePrefix + "TYPE",
                    RclonePrefix + "PROVIDER",
                    RclonePrefix + "ENDPOINT",
                    RclonePrefix + "REGION",
                    RclonePrefix + "FORCE_PATH_STYLE",
                    RclonePrefix + "NO_CHECK_BUCKET",
                    RclonePrefix + "ACCESS_KEY_ID",
                    RclonePrefix + "SECRET_ACCESS_KEY",
                ]
            },
            {
                nameof(MounterKind.Rclone),
                true,
                [
                    "PATH",
                    "AWS_EC2_METADATA_DISABLED",
                    "AWS_REGION",
                    RclonePrefix + "TYPE",
                    RclonePrefix + "PROVIDER",
                    RclonePrefix + "ENDPOINT",
                    RclonePrefix + "REGION",
                    RclonePrefix + "FORCE_PATH_STYLE",
                    RclonePrefix + "NO_CHECK_BUCKET",
                    RclonePrefix + "ACCESS_KEY_ID",
                    RclonePrefix + "SECRET_ACCESS_KEY",
                    RclonePrefix + "SESSION_TOKEN",
                ]
            },
        };

    public static TheoryData<string, string> PlantedVariables
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (
                var mounter in new[]
                {
                    nameof(MounterKind.MountS3),
                    nameof(MounterKind.S3fs),
                    nameof(MounterKind.Rclone),
                }
            )
            {
                foreach (
                    var name in new[]
                    {
                        "LD_PRELOAD",
                        "HOME",
                        "AWS_CONFIG_FILE",
                        "AWS_CA_BUNDLE",
                        "AWS_PROFILE",
                        "MOUNTPOINT_LOG",
                    }
                )
                {
                    data.Add(mounter, name);
                }
            }

            return data;
        }
    }

    private static MounterKind Kind(string mounter) => Enum.Parse<MounterKind>(mounter);

    private static MountPlan Build(
        string mounter,
        IEnumerable<string> environment,
        bool readOnly = false,
        long uid = 1000
    ) =>
        FinAssert.Success(
            PlanBuilder.Build(
                Samples.Config(Kind(mounter)) with
                {
                    ReadOnly = readOnly,
                },
                Samples.State(),
                Samples.Spec(environment, uid, uid)
            )
        );

    private static string Value(MountPlan plan, string name) =>
        plan.Mounter.Environment.Variables.Single(variable => variable.Key == name).Value.Reveal();

    [Theory]
    [MemberData(nameof(Arguments))]
    public void BuildGivesExactArguments(string mounter, bool readOnly, string[] expected)
    {
        var plan = Build(mounter, Samples.Environment(), readOnly);

        Assert.Equal(expected, plan.Mounter.Arguments);
    }

    [Theory]
    [MemberData(nameof(EnvironmentNames))]
    public void BuildGivesExactEnvironmentNames(
        string mounter,
        bool sessionToken,
        string[] expected
    )
    {
        var plan = Build(mounter, Samples.Environment(sessionToken));

        Assert.Equal(expected, plan.Mounter.Environment.Names);
    }

    [Theory]
    [MemberData(nameof(Mounters))]
    public void BuildSetsSearchPath(string mounter)
    {
        var plan = Build(mounter, [.. Samples.Environment(), "PATH=/tmp/evil:/usr/bin"]);

        Assert.Equal(MounterProfiles.SearchPath, Value(plan, "PATH"));
    }

    [Theory]
    [MemberData(nameof(PlantedVariables))]
    public void BuildDropsContainerVariable(string mounter, string name)
    {
        var plan = Build(mounter, [.. Samples.Environment(), $"{name}=/tmp/planted"]);

        Assert.DoesNotContain(name, plan.Mounter.Environment.Names);
        Assert.DoesNotContain(plan.Mounter.Environment.Variables, variable =>
            variable.Value.Reveal() == "/tmp/planted"
        );
    }

    [Fact]
    public void BuildPassesMountS3Credentials()
    {
        var plan = Build(nameof(MounterKind.MountS3), Samples.Environment(sessionToken: true));

        Assert.Equal(Samples.AccessKey, Value(plan, "AWS_ACCESS_KEY_ID"));
        Assert.Equal(Samples.SecretKey, Value(plan, "AWS_SECRET_ACCESS_KEY"));
        Assert.Equal(Samples.SessionToken, Value(plan, "AWS_SESSION_TOKEN"));
        Assert.Equal("true", Value(plan, "AWS_EC2_METADATA_DISABLED"));
        Assert.Equal("eu-west-1", Value(plan, "AWS_REGION"));
    }

    [Fact]
    public void BuildPassesRcloneRemote()
    {
        var plan = Build(nameof(MounterKind.Rclone), Samples.Environment(sessionToken: true));

        Assert.Equal("s3", Value(plan, RclonePrefix + "TYPE"));
        Assert.Equal("Other", Value(plan, RclonePrefix + "PROVIDER"));
        Assert.Equal("http://127.0.0.1:9000", Value(plan, RclonePrefix + "ENDPOINT"));
        Assert.Equal("true", Value(plan, RclonePrefix + "FORCE_PATH_STYLE"));
        Assert.Equal(Samples.AccessKey, Value(plan, RclonePrefix + "ACCESS_KEY_ID"));
        Assert.Equal(Samples.SecretKey, Value(plan, RclonePrefix + "SECRET_ACCESS_KEY"));
        Assert.Equal(Samples.SessionToken, Value(plan, RclonePrefix + "SESSION_TOKEN"));
    }

    [Fact]
    public void BuildWritesEmptyRcloneConfig()
    {
        var plan = Build(nameof(MounterKind.Rclone), Samples.Environment());

        var file = Assert.Single(plan.Mounter.Files);
        Assert.Equal(Samples.ContainerDirectory + "/rclone.conf", file.Path);
        Assert.Equal("", file.Contents.Reveal());
    }

    [Theory]
    [MemberData(nameof(Mounters))]
    public void BuildRootUserOmitsUid(string mounter)
    {
        var plan = Build(mounter, Samples.Environment(), uid: 0);

        Assert.DoesNotContain("--uid", plan.Mounter.Arguments);
        Assert.DoesNotContain("--gid", plan.Mounter.Arguments);
        Assert.DoesNotContain(plan.Mounter.Arguments, argument =>
            argument.Contains("uid=", StringComparison.Ordinal)
        );
        Assert.DoesNotContain(plan.Mounter.Arguments, argument =>
            argument.Contains("gid=", StringComparison.Ordinal)
        );
    }

    [Theory]
    [MemberData(nameof(Mounters))]
    public void BuildKeepsCredentialsOutOfArguments(string mounter)
    {
        var plan = Build(mounter, Samples.Environment(sessionToken: true));

        foreach (var secret in new[] { Samples.AccessKey, Samples.SecretKey, Samples.SessionToken })
        {
            Assert.DoesNotContain(plan.Mounter.Arguments, argument =>
                argument.Contains(secret, StringComparison.Ordinal)
            );
        }
    }

    [Theory]
    [MemberData(nameof(Mounters))]
    public void BuildNeverAutoUnmounts(string mounter)
    {
        var plan = Build(mounter, Samples.Environment());

        Assert.DoesNotContain(plan.Mounter.Arguments, argument =>
            argument.Contains("auto-unmount", StringComparison.Ordinal)
        );
        Assert.DoesNotContain(plan.Mounter.Arguments, argument =>
            argument.Contains("auto_unmount", StringComparison.Ordinal)
        );
    }

    [Theory]
    [MemberData(nameof(Mounters))]
    public void BuildWithoutCredentialsFails(string mounter)
    {
        var result = PlanBuilder.Build(
            Samples.Config(Kind(mounter)),
            Samples.State(),
            Samples.Spec(["S3_BUCKET=my-bucket"])
        );

        FinAssert.Failure(result, HookErrorCode.CredentialsMissing);
    }

    [Theory]
    [MemberData(nameof(Mounters))]
    public void BuildInstanceCredentialsAllowsMetadata(string mounter)
    {
        var config = Samples.Config(Kind(mounter)) with { AllowInstanceCredentials = true };

        var plan = FinAssert.Success(
            PlanBuilder.Build(config, Samples.State(), Samples.Spec(["S3_BUCKET=my-bucket"]))
        );

        Assert.DoesNotContain("AWS_EC2_METADATA_DISABLED", plan.Mounter.Environment.Names);
        Assert.Empty(plan.Mounter.Credentials);
    }

    [Fact]
    public void BuildInstanceCredentialsUsesIamRole()
    {
        var config = Samples.Config(MounterKind.S3fs) with { AllowInstanceCredentials = true };

        var plan = FinAssert.Success(
            PlanBuilder.Build(config, Samples.State(), Samples.Spec(["S3_BUCKET=my-bucket"]))
        );

        Assert.Equal(
            "iam_role=auto,rw,allow_other,uid=1000,gid=1000,umask=0022",
            plan.Mounter.Arguments[^1]
        );
    }

    [Fact]
    public void BuildInstanceCredentialsUsesRcloneEnvAuth()
    {
        var config = Samples.Config(MounterKind.Rclone) with { AllowInstanceCredentials = true };

        var plan = FinAssert.Success(
            PlanBuilder.Build(config, Samples.State(), Samples.Spec(["S3_BUCKET=my-bucket"]))
        );

        Assert.Equal("true", Value(plan, RclonePrefix + "ENV_AUTH"));
        Assert.Equal("AWS", Value(plan, RclonePrefix + "PROVIDER"));
    }

    [Fact]
    public void BuildStaticKeysKeepMetadataDisabled()
    {
        var config = Samples.Config() with { AllowInstanceCredentials = true };

        var plan = FinAssert.Success(
            PlanBuilder.Build(config, Samples.State(), Samples.Spec(Samples.Environment()))
        );

        Assert.Equal("true", Value(plan, "AWS_EC2_METADATA_DISABLED"));
    }

    [Theory]
    [InlineData("AWS_ACCESS_KEY_ID=AKIAEXAMPLEKEY000001")]
    [InlineData("AWS_SECRET_ACCESS_KEY=secret")]
    [InlineData("AWS_SESSION_TOKEN=token")]
    public void BuildPartialCredentialsFail(string credential)
    {
        var config = Samples.Config() with { AllowInstanceCredentials = true };

        var result = PlanBuilder.Build(
            config,
            Samples.State(),
            Samples.Spec(["S3_BUCKET=my-bucket", credential])
        );

        FinAssert.Failure(result, HookErrorCode.CredentialsMissing);
    }

    [Fact]
    public void BuildS3fsWritesPasswdFile()
    {
        var plan = Build(nameof(MounterKind.S3fs), Samples.Environment());

        var file = Assert.Single(plan.Mounter.Files);
        Assert.Equal(PasswdPath, file.Path);
        Assert.Equal($"{Samples.AccessKey}:{Samples.SecretKey}\n", file.Contents.Reveal());
    }

    [Fact]
    public void BuildS3fsTokenUsesEnvironment()
    {
        var plan = Build(nameof(MounterKind.S3fs), Samples.Environment(sessionToken: true));

        Assert.Empty(plan.Mounter.Files);
        Assert.DoesNotContain(plan.Mounter.Arguments, argument =>
            argument.Contains("passwd_file", StringComparison.Ordinal)
        );
        Assert.Equal(Samples.AccessKey, Value(plan, "AWS_ACCESS_KEY_ID"));
        Assert.Equal(Samples.SecretKey, Value(plan, "AWS_SECRET_ACCESS_KEY"));
        Assert.Equal(Samples.SessionToken, Value(plan, "AWS_SESSION_TOKEN"));
    }

    [Theory]
    [MemberData(nameof(Mounters))]
    public void BuildListsCredentialsForRedactor(string mounter)
    {
        var plan = Build(mounter, Samples.Environment(sessionToken: true));

        Assert.Equal(
            [Samples.AccessKey, Samples.SecretKey, Samples.SessionToken],
            plan.Mounter.Credentials.Select(secret => secret.Reveal())
        );
    }

    [Theory]
    [InlineData(null, 30)]
    [InlineData(60, 30)]
    [InlineData(32, 30)]
    [InlineData(10, 8)]
    [InlineData(3, 1)]
    [InlineData(1, 1)]
    public void BuildCutsTimeoutBelowHookTimeout(int? hookTimeout, int expectedSeconds)
    {
        var plan = FinAssert.Success(
            PlanBuilder.Build(
                Samples.Config(),
                Samples.State(),
                Samples.Spec(Samples.Environment(), hookTimeout: hookTimeout)
            )
        );

        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), plan.Timeout);
    }

    [Fact]
    public void BuildUsesConfigMountpoint()
    {
        var plan = Build(nameof(MounterKind.MountS3), Samples.Environment());

        Assert.Equal("/mnt/s3", plan.Target);
        Assert.Equal("container_mountpoint", plan.TargetSource);
    }

    [Fact]
    public void BuildEnvironmentMountpointOverridesConfig()
    {
        var plan = Build(
            nameof(MounterKind.MountS3),
            [.. Samples.Environment(), "CONTAINER_MOUNTPOINT=//data//bucket/"]
        );

        Assert.Equal("/data/bucket", plan.Target);
        Assert.Equal("CONTAINER_MOUNTPOINT", plan.TargetSource);
    }

    [Fact]
    public void BuildRejectsForbiddenEnvironmentMountpoint()
    {
        var result = PlanBuilder.Build(
            Samples.Config(),
            Samples.State(),
            Samples.Spec([.. Samples.Environment(), "CONTAINER_MOUNTPOINT=/proc/1"])
        );

        FinAssert.Failure(result, HookErrorCode.TargetInvalid);
    }

    [Fact]
    public void BuildRecordsPaths()
    {
        var plan = Build(nameof(MounterKind.MountS3), Samples.Environment());

        Assert.Equal(Samples.StagingPath, plan.StagingPath);
        Assert.Equal(Samples.ContainerDirectory, plan.ContainerDirectory);
        Assert.Equal(Samples.ContainerDirectory + "/mounter.log", plan.LogPath);
        Assert.Equal("/run/bundles/c1/rootfs", plan.RootPath);
        Assert.Equal(4242, plan.ContainerPid);
    }

    [Fact]
    public void BuildZeroPidFails()
    {
        var result = PlanBuilder.Build(
            Samples.Config(),
            Samples.State(pid: 0),
            Samples.Spec(Samples.Environment())
        );

        var message = FinAssert.Failure(result, HookErrorCode.StateInvalid).Message;

        Assert.Contains("has no \"pid\"", message, StringComparison.Ordinal);
    }

    [Fact]
    public void BuildMissingBucketFails()
    {
        var environment = Samples
            .Environment()
            .Where(entry => !entry.StartsWith("S3_BUCKET=", StringComparison.Ordinal));

        var result = PlanBuilder.Build(
            Samples.Config(),
            Samples.State(),
            Samples.Spec(environment)
        );

        var message = FinAssert.Failure(result, HookErrorCode.BucketInvalid).Message;

        Assert.Contains("does not set S3_BUCKET", message, StringComparison.Ordinal);
    }

    [Fact]
    public void BuildRegionFallsBackToDefault()
    {
        var config = Samples.Config() with { DefaultRegion = "ap-south-1" };
        var environment = Samples
            .Environment()
            .Where(entry => !entry.StartsWith("AWS_REGION=", StringComparison.Ordinal))
            .Append("AWS_DEFAULT_REGION=");

        var plan = FinAssert.Success(
            PlanBuilder.Build(config, Samples.State(), Samples.Spec(environment))
        );

        Assert.Equal("ap-south-1", plan.Location.Region);
    }

    [Fact]
    public void BuildRegionPrefersAwsRegion()
    {
        var plan = Build(
            nameof(MounterKind.MountS3),
            [.. Samples.Environment(), "AWS_DEFAULT_REGION=us-west-2"]
        );

        Assert.Equal("eu-west-1", plan.Location.Region);
    }

    [Theory]
    [InlineData("AWS_SECRET_ACCESS_KEY=secret\n", nameof(HookErrorCode.EnvValueInvalid))]
    [InlineData("S3_BUCKET=--foreground", nameof(HookErrorCode.BucketInvalid))]
    [InlineData("S3_PREFIX=-x", nameof(HookErrorCode.PrefixInvalid))]
    [InlineData("S3_ENDPOINT_URL=http://host/,suid", nameof(HookErrorCode.EndpointInvalid))]
    [InlineData("AWS_REGION=--region", nameof(HookErrorCode.RegionInvalid))]
    public void BuildRejectsHostileVariable(string entry, string code)
    {
        var result = PlanBuilder.Build(
            Samples.Config(MounterKind.S3fs),
            Samples.State(),
            Samples.Spec([.. Samples.Environment(), entry])
        );

        FinAssert.Failure(result, Enum.Parse<HookErrorCode>(code));
    }
}
