using Xunit;

namespace S3MountHook.Tests.Infrastructure;

/// <summary>
/// Uses every fixture together the way a hook test does: a bucket on the S3 server, a FUSE mount by a
/// mounter, a runc container that reads it, and a leak check afterwards. The mount is made on the host
/// before the container starts and bind-mounted in, because a host mount made after the container's
/// mount namespace exists does not propagate into it (the host's root mount is private).
/// </summary>
public sealed class FixtureCompositionTests : IClassFixture<S3ServerFixture>, IDisposable
{
    private const Requires AllRequirements =
        Requires.ContainerWithS3 | Requires.S3fs | Requires.Rclone | Requires.Curl;

    private static readonly TimeSpan MountTimeout = TimeSpan.FromSeconds(60);

    private readonly S3ServerFixture server;
    private readonly DirectoryInfo workDirectory = Directory.CreateTempSubdirectory(
        "e2e-composition-"
    );

    public FixtureCompositionTests(S3ServerFixture server)
    {
        this.server = server;
    }

    private string MountPoint => Path.Combine(workDirectory.FullName, "mnt");

    public void Dispose()
    {
        if (Leftovers.IsFuseMountPoint(MountPoint))
        {
            ProcessRunner.Run("umount", [MountPoint], TimeSpan.FromSeconds(10));
        }

        workDirectory.Delete(recursive: true);
    }

    [SystemFact(AllRequirements)]
    public void ContainerReadsBucketThroughDouble()
    {
        var bucket = S3ServerFixture.UniqueBucketName("double");
        server.CreateBucket(
            bucket,
            new Dictionary<string, string> { ["hello.txt"] = "hello through mount-s3\n" }
        );
        Directory.CreateDirectory(MountPoint);
        var leftovers = Leftovers.Take(workDirectory.FullName);

        var mount = ProcessRunner.Run(
            RepositoryPaths.MountS3Double,
            [
                "--endpoint-url",
                server.EndpointUrl,
                "--force-path-style",
                "--region",
                S3ServerFixture.Region,
                "--read-only",
                bucket,
                MountPoint,
            ],
            MountTimeout,
            new Dictionary<string, string>
            {
                ["AWS_ACCESS_KEY_ID"] = S3ServerFixture.AccessKey,
                ["AWS_SECRET_ACCESS_KEY"] = S3ServerFixture.SecretKey,
                ["AWS_EC2_METADATA_DISABLED"] = "true",
            }
        );
        Assert.True(mount.ExitCode == 0, mount.ToString());

        RunContainerAndUnmount("hello through mount-s3\n");
        leftovers.AssertNothingNew();
    }

    [SystemFact(AllRequirements)]
    public void ContainerReadsBucketThroughRclone()
    {
        var bucket = S3ServerFixture.UniqueBucketName("rclone");
        server.CreateBucket(
            bucket,
            new Dictionary<string, string> { ["hello.txt"] = "hello through rclone\n" }
        );
        Directory.CreateDirectory(MountPoint);
        var configPath = Path.Combine(workDirectory.FullName, "rclone.conf");
        File.WriteAllText(configPath, "");
        var leftovers = Leftovers.Take();

        // rclone has no daemon readiness signal in the foreground, so the test polls the mount table.
        var stdinPath = Path.Combine(workDirectory.FullName, "rclone.stdin");
        File.WriteAllText(stdinPath, "");
        using var rclone = ProcessRunner.Start(
            "rclone",
            [
                "mount",
                $"e2e:{bucket}",
                MountPoint,
                "--read-only",
                "--cache-dir",
                Path.Combine(workDirectory.FullName, "rclone-cache"),
            ],
            new Dictionary<string, string>
            {
                ["AWS_EC2_METADATA_DISABLED"] = "true",
                ["RCLONE_CONFIG"] = configPath,
                ["RCLONE_CONFIG_E2E_TYPE"] = "s3",
                ["RCLONE_CONFIG_E2E_PROVIDER"] = "Other",
                ["RCLONE_CONFIG_E2E_ENV_AUTH"] = "false",
                ["RCLONE_CONFIG_E2E_ACCESS_KEY_ID"] = S3ServerFixture.AlternateAccessKey,
                ["RCLONE_CONFIG_E2E_SECRET_ACCESS_KEY"] = S3ServerFixture.AlternateSecretKey,
                ["RCLONE_CONFIG_E2E_ENDPOINT"] = server.EndpointUrl,
                ["RCLONE_CONFIG_E2E_REGION"] = S3ServerFixture.Region,
                ["RCLONE_CONFIG_E2E_FORCE_PATH_STYLE"] = "true",
            },
            workingDirectory: null,
            stdinPath,
            Path.Combine(workDirectory.FullName, "rclone.stdout"),
            Path.Combine(workDirectory.FullName, "rclone.stderr")
        );
        try
        {
            Poll.AssertUntil(
                () => Leftovers.IsFuseMountPoint(MountPoint),
                MountTimeout,
                "rclone mounts the bucket"
            );

            RunContainerAndUnmount("hello through rclone\n");

            Assert.True(
                rclone.WaitForExit(TimeSpan.FromSeconds(10)),
                "rclone did not exit after the unmount"
            );
            Assert.Equal(0, rclone.ExitCode);
        }
        finally
        {
            if (!rclone.HasExited)
            {
                rclone.Kill(entireProcessTree: true);
            }
        }

        leftovers.AssertNothingNew();
    }

    [SystemFact(Requires.Root | Requires.Fuse | Requires.S3fs | Requires.Curl | Requires.S3Server)]
    public void LeftoversReportsMountAndMounter()
    {
        var bucket = S3ServerFixture.UniqueBucketName("leftovers");
        server.CreateBucket(bucket);
        Directory.CreateDirectory(MountPoint);
        var stateDirectory = Path.Combine(workDirectory.FullName, "state");
        var leftovers = Leftovers.Take(stateDirectory);

        var mount = ProcessRunner.Run(
            RepositoryPaths.MountS3Double,
            ["--endpoint-url", server.EndpointUrl, "--force-path-style", bucket, MountPoint],
            MountTimeout,
            new Dictionary<string, string>
            {
                ["AWS_ACCESS_KEY_ID"] = S3ServerFixture.AccessKey,
                ["AWS_SECRET_ACCESS_KEY"] = S3ServerFixture.SecretKey,
            }
        );
        Assert.True(mount.ExitCode == 0, mount.ToString());
        Directory.CreateDirectory(Path.Combine(stateDirectory, "container-1"));

        var found = leftovers.FindNew();

        var escapedMountPoint = Leftovers.EscapeMountInfoPath(MountPoint);
        Assert.Contains($"FUSE mount: {escapedMountPoint} fuse mountpoint-s3", found);
        Assert.Contains(found, line =>
            line.StartsWith("mounter process: ", StringComparison.Ordinal)
            && line.Contains("mount-s3-double", StringComparison.Ordinal)
        );
        Assert.Contains(found, line =>
            line.StartsWith("mounter process: ", StringComparison.Ordinal)
            && line.Contains(" s3fs ", StringComparison.Ordinal)
        );
        Assert.Contains($"entry: {Path.Combine(stateDirectory, "container-1")}", found);
        Assert.Throws<Xunit.Sdk.TrueException>(() => leftovers.AssertNothingNew(TimeSpan.Zero));

        Assert.Equal(
            0,
            ProcessRunner.Run("umount", [MountPoint], TimeSpan.FromSeconds(10)).ExitCode
        );
        Directory.Delete(Path.Combine(stateDirectory, "container-1"));
        leftovers.AssertNothingNew();
    }

    private void RunContainerAndUnmount(string expectedContent)
    {
        using var bundle = new BusyboxBundle("cat", "/mnt/s3/hello.txt");
        bundle.Uid = 0;
        bundle.CreateRootfsDirectory("mnt/s3");
        bundle.AddBindMount(MountPoint, "/mnt/s3", readOnly: true);
        using (var runc = new Runc())
        {
            var result = runc.Run(bundle);

            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Equal(expectedContent, result.Stdout);
        }

        var unmount = ProcessRunner.Run("umount", [MountPoint], TimeSpan.FromSeconds(10));
        Assert.True(unmount.ExitCode == 0, unmount.ToString());
        Assert.False(Leftovers.IsFuseMountPoint(MountPoint), "the bucket is still mounted");
    }
}
