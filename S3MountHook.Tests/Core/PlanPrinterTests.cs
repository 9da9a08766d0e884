using S3MountHook.Activation;
using S3MountHook.CommandLine;
using S3MountHook.Config;
using S3MountHook.Explain;
using S3MountHook.Plan;
using Xunit;

namespace S3MountHook.Tests.Core;

public sealed class PlanPrinterTests
{
    public static TheoryData<string> Mounters =>
        new() { nameof(MounterKind.MountS3), nameof(MounterKind.S3fs), nameof(MounterKind.Rclone) };

    private static string Print(MounterKind mounter)
    {
        var config = Samples.Config(mounter);
        var spec = Samples.Spec(Samples.Environment(sessionToken: mounter != MounterKind.S3fs));
        var plan = FinAssert.Success(PlanBuilder.Build(config, Samples.State(), spec));
        var invocation = FinAssert.Success(Invocation.Parse(["--explain", "prestart"]));
        var activation = ActivationGate.Decide(config, spec.Environment);

        return string.Join(
            '\n',
            PlanPrinter.Mount(invocation, HookStage.Prestart, config, activation, plan)
        );
    }

    [Theory]
    [MemberData(nameof(Mounters))]
    public void MountHidesCredentials(string mounter)
    {
        var output = Print(Enum.Parse<MounterKind>(mounter));

        Assert.DoesNotContain(Samples.AccessKey, output, StringComparison.Ordinal);
        Assert.DoesNotContain(Samples.SecretKey, output, StringComparison.Ordinal);
        Assert.DoesNotContain(Samples.SessionToken, output, StringComparison.Ordinal);
    }

    [Fact]
    public void MountListsEnvironmentNames()
    {
        var output = Print(MounterKind.MountS3);

        Assert.Contains(
            "environment (names only): PATH AWS_EC2_METADATA_DISABLED AWS_REGION AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN",
            output,
            StringComparison.Ordinal
        );
    }

    [Fact]
    public void MountShowsQuotedArgv()
    {
        var output = Print(MounterKind.MountS3);

        Assert.Contains(
            "argv: /usr/bin/mounter --foreground --prefix team/data/ --endpoint-url http://127.0.0.1:9000 --force-path-style "
                + "--region eu-west-1 --allow-delete --allow-overwrite --allow-other --uid 1000 --gid 1000 my-bucket /run/s3mounthook/mounts/c1",
            output,
            StringComparison.Ordinal
        );
    }

    [Fact]
    public void MountNamesCredentialFile()
    {
        var output = Print(MounterKind.S3fs);

        Assert.Contains(
            "credential file: /run/s3mounthook/containers/c1/s3fs.passwd (mode 0600, contents not shown)",
            output,
            StringComparison.Ordinal
        );
    }

    [Fact]
    public void MountShowsTargetAndDeadline()
    {
        var output = Print(MounterKind.MountS3);

        Assert.Contains(
            "target: /mnt/s3 (from container_mountpoint) inside container root /run/bundles/c1/rootfs",
            output,
            StringComparison.Ordinal
        );
        Assert.Contains("deadline: 30 s", output, StringComparison.Ordinal);
    }
}
