using System.Globalization;
using S3MountHook.Tests.Infrastructure;
using Xunit;

namespace S3MountHook.Tests.Doubles;

/// <summary>
/// Checks that the mount-s3 test double keeps mount-s3's contract, so that hook tests built on it
/// test the hook and not the double.
/// </summary>
public sealed class MountS3DoubleTests : IClassFixture<S3ServerFixture>, IDisposable
{
    private const Requires MountRequirements =
        Requires.Root | Requires.Fuse | Requires.S3fs | Requires.Curl | Requires.S3Server;

    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(10);

    private readonly S3ServerFixture server;
    private readonly DirectoryInfo workDirectory = Directory.CreateTempSubdirectory(
        "e2e-mount-s3-double-"
    );

    public MountS3DoubleTests(S3ServerFixture server)
    {
        this.server = server;
    }

    private string MountPoint => Path.Combine(workDirectory.FullName, "mnt");

    private string PidFile => Path.Combine(workDirectory.FullName, "mount-s3.pid");

    // The double's TMPDIR, watched for leaked temporary files.
    private string TemporaryDirectory => Path.Combine(workDirectory.FullName, "tmp");

    public void Dispose()
    {
        if (Leftovers.IsFuseMountPoint(MountPoint))
        {
            ProcessRunner.Run("umount", [MountPoint], ExitTimeout);
        }

        workDirectory.Delete(recursive: true);
    }

    [Fact]
    public void UnknownFlagExitsWithTwo()
    {
        var result = RunDouble(["--no-such-flag", "bucket", "/tmp"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("", result.Stdout);
        Assert.StartsWith(
            "error: unexpected argument '--no-such-flag' found\n",
            result.Stderr,
            StringComparison.Ordinal
        );
    }

    [Theory]
    [InlineData("--uid")]
    [InlineData("--gid")]
    public void OwnerZeroExitsWithTwo(string option)
    {
        var result = RunDouble([option, "0", "bucket", "/tmp"]);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith(
            $"error: invalid value '0' for '{option} <N>': must be 1 or more\n",
            result.Stderr,
            StringComparison.Ordinal
        );
    }

    [Fact]
    public void AllowRootWithAllowOtherExitsWithTwo()
    {
        var result = RunDouble(["--allow-root", "--allow-other", "bucket", "/tmp"]);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith(
            "error: the argument '--allow-root' cannot be used with '--allow-other'\n",
            result.Stderr,
            StringComparison.Ordinal
        );
    }

    [Theory]
    [InlineData("--prefix", "no-slash", "bucket")]
    [InlineData("--dir-mode", "0778", "bucket")]
    [InlineData("--file-mode", "1777", "bucket")]
    [InlineData("--upload-checksums", "md5", "bucket")]
    [InlineData("--metadata-ttl", "forever", "bucket")]
    [InlineData("--region", "us-east-1", "ab")]
    [InlineData("--region", "us-east-1", "bad/bucket")]
    public void InvalidValueExitsWithTwo(string option, string value, string bucket)
    {
        var result = RunDouble([option, value, bucket, "/tmp"]);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: invalid value ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingDirectoryArgumentExitsWithTwo()
    {
        var result = RunDouble(["bucket"]);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith(
            "error: the following required arguments were not provided:\n  <DIRECTORY>\n",
            result.Stderr,
            StringComparison.Ordinal
        );
    }

    [SystemFact(Requires.Curl | Requires.S3Server)]
    public void MissingBucketPrintsErrorChain()
    {
        Directory.CreateDirectory(MountPoint);

        var result = RunDouble([.. LoopbackOptions(), "e2e-no-such-bucket", MountPoint]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", result.Stdout);
        Assert.Equal(
            "Error: Failed to create S3 client\n\n"
                + "Caused by:\n"
                + "    0: initial ListObjectsV2 failed for bucket e2e-no-such-bucket in region us-east-1\n"
                + "    1: Client error\n"
                + "    2: The bucket does not exist\n"
                + "Error: Failed to create mount process\n",
            result.Stderr
        );
    }

    [SystemFact(Requires.Curl | Requires.S3Server)]
    public void UnknownAccessKeyIsForbidden()
    {
        var bucket = S3ServerFixture.UniqueBucketName("forbidden");
        server.CreateBucket(bucket);
        Directory.CreateDirectory(MountPoint);

        var result = RunDouble(
            [.. LoopbackOptions(), bucket, MountPoint],
            accessKey: "E2E-UNKNOWN-KEY"
        );

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(
            "    2: Forbidden: The AWS Access Key Id you provided does not exist in our records.\n",
            result.Stderr,
            StringComparison.Ordinal
        );
        Assert.EndsWith(
            "Error: Failed to create mount process\n",
            result.Stderr,
            StringComparison.Ordinal
        );
    }

    [SystemFact(Requires.Curl | Requires.S3Server)]
    public void MissingMountPointExitsWithOne()
    {
        var missing = Path.Combine(workDirectory.FullName, "missing");

        var result = RunDouble([.. LoopbackOptions(), "any-bucket", missing]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            $"Error: mount point {missing} does not exist\nError: Failed to create mount process\n",
            result.Stderr
        );
    }

    [SystemFact(Requires.Curl | Requires.S3Server)]
    public void UnresponsiveEndpointTimesOut()
    {
        // A listener that accepts connections and never sends a response, like an endpoint behind a dead proxy.
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        Directory.CreateDirectory(MountPoint);
        var leftovers = Leftovers.Take(TemporaryDirectory);

        var result = RunDouble(
            [
                "--endpoint-url",
                $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}",
                "--force-path-style",
                "any-bucket",
                MountPoint,
            ],
            extraEnvironment: new Dictionary<string, string>
            {
                ["MOUNT_S3_DOUBLE_READY_TIMEOUT_SECONDS"] = "2",
            }
        );

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            "Error: Timeout after 2 seconds while waiting for mount process to be ready\n",
            result.Stderr
        );
        leftovers.AssertNothingNew();
    }

    [SystemFact(MountRequirements)]
    public void DaemonMountsAndServesObjects()
    {
        var bucket = S3ServerFixture.UniqueBucketName("daemon");
        var binary = new byte[300_000];
        Random.Shared.NextBytes(binary);
        server.CreateBucket(
            bucket,
            new Dictionary<string, byte[]>
            {
                ["hello.txt"] = "hello from s3\n"u8.ToArray(),
                ["dir/random.bin"] = binary,
            }
        );
        Directory.CreateDirectory(MountPoint);
        var leftovers = Leftovers.Take();

        var result = RunDouble([.. LoopbackOptions(), bucket, MountPoint]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal($"bucket {bucket} is mounted at {MountPoint}\n", result.Stdout);
        Assert.Equal("", result.Stderr);
        Assert.True(
            Leftovers.IsFuseMountPoint(MountPoint),
            "the directory is not a FUSE mount point"
        );
        Assert.Equal("hello from s3\n", File.ReadAllText(Path.Combine(MountPoint, "hello.txt")));
        Assert.Equal(binary, File.ReadAllBytes(Path.Combine(MountPoint, "dir", "random.bin")));

        File.WriteAllText(Path.Combine(MountPoint, "written.txt"), "written through FUSE\n");
        Assert.Equal("written through FUSE\n"u8.ToArray(), server.GetObject(bucket, "written.txt"));

        var servingPid = ReadServingPid();
        Assert.True(
            Leftovers.IsProcessLive(servingPid),
            "the serving process is not running after the parent exited"
        );

        var unmount = ProcessRunner.Run("umount", [MountPoint], ExitTimeout);
        Assert.Equal(0, unmount.ExitCode);
        Poll.AssertUntil(
            () => !Leftovers.IsProcessLive(servingPid),
            ExitTimeout,
            "the serving process exits after the unmount"
        );
        leftovers.AssertNothingNew();
    }

    [SystemFact(MountRequirements)]
    public void PrefixMountShowsOnlyPrefix()
    {
        var bucket = S3ServerFixture.UniqueBucketName("prefix");
        server.CreateBucket(
            bucket,
            new Dictionary<string, string>
            {
                ["outside.txt"] = "outside\n",
                ["team/inside.txt"] = "inside\n",
            }
        );
        Directory.CreateDirectory(MountPoint);
        var leftovers = Leftovers.Take();

        var result = RunDouble([
            .. LoopbackOptions(),
            "--prefix",
            "team/",
            "--read-only",
            bucket,
            MountPoint,
        ]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            $"prefix team/ of bucket {bucket} is mounted at {MountPoint}\n",
            result.Stdout
        );
        Assert.Equal(
            ["inside.txt"],
            Directory.GetFileSystemEntries(MountPoint).Select(Path.GetFileName)
        );
        Assert.Equal("inside\n", File.ReadAllText(Path.Combine(MountPoint, "inside.txt")));
        Assert.Throws<IOException>(() =>
            File.WriteAllText(Path.Combine(MountPoint, "new.txt"), "rejected")
        );

        var servingPid = ReadServingPid();
        var terminate = ProcessRunner.Run(
            "kill",
            ["-TERM", servingPid.ToString(CultureInfo.InvariantCulture)],
            ExitTimeout
        );
        Assert.Equal(0, terminate.ExitCode);
        Poll.AssertUntil(
            () => !Leftovers.IsProcessLive(servingPid),
            ExitTimeout,
            "the serving process exits after SIGTERM"
        );
        Assert.False(Leftovers.IsFuseMountPoint(MountPoint), "SIGTERM left the mount in place");
        leftovers.AssertNothingNew();
    }

    [SystemFact(MountRequirements)]
    public void ForegroundExitsZeroAfterUnmount()
    {
        var bucket = S3ServerFixture.UniqueBucketName("foreground");
        server.CreateBucket(bucket, new Dictionary<string, string> { ["a.txt"] = "a\n" });
        Directory.CreateDirectory(MountPoint);
        var leftovers = Leftovers.Take();
        var stdoutPath = Path.Combine(workDirectory.FullName, "foreground.stdout");
        var stderrPath = Path.Combine(workDirectory.FullName, "foreground.stderr");
        var stdinPath = Path.Combine(workDirectory.FullName, "foreground.stdin");
        File.WriteAllText(stdinPath, "");

        using var process = ProcessRunner.Start(
            RepositoryPaths.MountS3Double,
            [.. LoopbackOptions(), "--foreground", bucket, MountPoint],
            CredentialsEnvironment(S3ServerFixture.AccessKey),
            workingDirectory: null,
            stdinPath,
            stdoutPath,
            stderrPath
        );
        try
        {
            var expectedLine = $"bucket {bucket} is mounted at {MountPoint}\n";
            Poll.AssertUntil(
                () => File.ReadAllText(stdoutPath) == expectedLine,
                CommandTimeout,
                "the foreground double reports the mount"
            );
            Assert.True(
                Leftovers.IsFuseMountPoint(MountPoint),
                "the directory is not a FUSE mount point"
            );
            Assert.False(process.HasExited, "the foreground double exited while mounted");
            Assert.Equal("a\n", File.ReadAllText(Path.Combine(MountPoint, "a.txt")));

            Assert.Equal(0, ProcessRunner.Run("umount", [MountPoint], ExitTimeout).ExitCode);

            Assert.True(
                process.WaitForExit(ExitTimeout),
                "the foreground double did not exit after the unmount"
            );
            Assert.Equal(0, process.ExitCode);
            Assert.Equal("", File.ReadAllText(stderrPath));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        leftovers.AssertNothingNew();
    }

    [SystemFact(MountRequirements)]
    public void DaemonReleasesCallerPipes()
    {
        var bucket = S3ServerFixture.UniqueBucketName("pipes");
        server.CreateBucket(bucket);
        Directory.CreateDirectory(MountPoint);
        var leftovers = Leftovers.Take();
        var startInfo = new System.Diagnostics.ProcessStartInfo(RepositoryPaths.MountS3Double)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in LoopbackOptions().Concat([bucket, MountPoint]))
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.Environment.Clear();
        startInfo.Environment["PATH"] = ProcessRunner.DefaultPath;
        foreach (var (name, value) in CredentialsEnvironment(S3ServerFixture.AccessKey))
        {
            startInfo.Environment[name] = value;
        }

        startInfo.Environment["UNSTABLE_MOUNTPOINT_PID_FILE"] = PidFile;

        using var process = System.Diagnostics.Process.Start(startInfo)!;
        // End-of-file on both pipes proves that neither the serving child nor s3fs kept them open.
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var bothClosed = Task.WhenAll(stdout, stderr).Wait(CommandTimeout);

        Assert.True(bothClosed, "the caller's pipes stayed open after the parent exited");
        Assert.True(process.WaitForExit(ExitTimeout), "the parent process did not exit");
        Assert.Equal(0, process.ExitCode);
        Assert.Equal($"bucket {bucket} is mounted at {MountPoint}\n", stdout.Result);
        Assert.Equal("", stderr.Result);
        Assert.True(
            Leftovers.IsFuseMountPoint(MountPoint),
            "the bucket is not mounted while the pipes are closed"
        );

        var servingPid = ReadServingPid();
        Assert.Equal(
            0,
            ProcessRunner
                .Run(
                    "kill",
                    ["-INT", servingPid.ToString(CultureInfo.InvariantCulture)],
                    ExitTimeout
                )
                .ExitCode
        );
        Poll.AssertUntil(
            () => !Leftovers.IsProcessLive(servingPid),
            ExitTimeout,
            "the serving process exits after SIGINT"
        );
        Assert.False(Leftovers.IsFuseMountPoint(MountPoint), "SIGINT left the mount in place");
        leftovers.AssertNothingNew();
    }

    [SystemFact(MountRequirements)]
    public void OwnerAndModeOptionsApply()
    {
        var bucket = S3ServerFixture.UniqueBucketName("owner");
        server.CreateBucket(bucket, new Dictionary<string, string> { ["file.txt"] = "owned\n" });
        Directory.CreateDirectory(MountPoint);
        var leftovers = Leftovers.Take();

        var result = RunDouble([
            .. LoopbackOptions(),
            "--allow-other",
            "--uid",
            "1234",
            "--gid",
            "2345",
            "--dir-mode",
            "0750",
            "--file-mode",
            "0640",
            bucket,
            MountPoint,
        ]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var mountLine = File.ReadLines("/proc/self/mountinfo")
            .Single(line => line.Split(' ')[4] == Leftovers.EscapeMountInfoPath(MountPoint));
        Assert.Contains("allow_other", mountLine, StringComparison.Ordinal);
        Assert.Contains(" - fuse mountpoint-s3 ", mountLine, StringComparison.Ordinal);
        var stat = ProcessRunner.Run(
            "stat",
            ["--format", "%u %g %a", MountPoint, Path.Combine(MountPoint, "file.txt")],
            ExitTimeout
        );
        // Both entries get --dir-mode because s3fs applies one umask to files and directories.
        Assert.Equal("1234 2345 750\n1234 2345 750\n", stat.Stdout);

        Assert.Equal(0, ProcessRunner.Run("umount", [MountPoint], ExitTimeout).ExitCode);
        leftovers.AssertNothingNew();
    }

    private static Dictionary<string, string> CredentialsEnvironment(string accessKey) =>
        new()
        {
            ["AWS_ACCESS_KEY_ID"] = accessKey,
            ["AWS_SECRET_ACCESS_KEY"] = S3ServerFixture.SecretKey,
            ["AWS_EC2_METADATA_DISABLED"] = "true",
        };

    private string[] LoopbackOptions() =>
        [
            "--endpoint-url",
            server.EndpointUrl,
            "--force-path-style",
            "--region",
            S3ServerFixture.Region,
        ];

    private ProcessResult RunDouble(
        string[] arguments,
        string accessKey = S3ServerFixture.AccessKey,
        Dictionary<string, string>? extraEnvironment = null
    )
    {
        var environment = CredentialsEnvironment(accessKey);
        environment["UNSTABLE_MOUNTPOINT_PID_FILE"] = PidFile;
        Directory.CreateDirectory(TemporaryDirectory);
        environment["TMPDIR"] = TemporaryDirectory;
        foreach (var (name, value) in extraEnvironment ?? [])
        {
            environment[name] = value;
        }

        return ProcessRunner.Run(
            RepositoryPaths.MountS3Double,
            arguments,
            CommandTimeout,
            environment
        );
    }

    private int ReadServingPid() =>
        int.Parse(File.ReadAllText(PidFile).Trim(), CultureInfo.InvariantCulture);
}
