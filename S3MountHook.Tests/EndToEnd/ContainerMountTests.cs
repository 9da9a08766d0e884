using System.Text;
using S3MountHook.Tests.Infrastructure;
using Xunit;

namespace S3MountHook.Tests.EndToEnd;

/// <summary>
/// A runc container gets a real bucket from the local S3 server through the hook, with each real
/// FUSE mounter and with the mount-s3 test double, and nothing of the hook's remains afterwards.
/// </summary>
public sealed class ContainerMountTests(S3ServerFixture server) : IClassFixture<S3ServerFixture>
{
    private const Requires AllMounters =
        Requires.ContainerWithS3 | Requires.S3fs | Requires.Rclone | Requires.Curl;

    private static readonly string LongText =
        string.Join('\n', Enumerable.Range(0, 2000).Select(i => $"line {i}")) + "\n";

    [SystemTheory(AllMounters)]
    [InlineData("s3fs")]
    [InlineData("rclone")]
    [InlineData("mount-s3")]
    public void ContainerReadsObjects(string mounter)
    {
        var bucket = S3ServerFixture.UniqueBucketName(
            mounter.Replace("-", "", StringComparison.Ordinal)
        );
        server.CreateBucket(
            bucket,
            new Dictionary<string, string>
            {
                ["hello.txt"] = "hello from the bucket\n",
                ["dir/long.txt"] = LongText,
            }
        );
        using var hook = new HookHarness(mounter);
        var leftovers = Leftovers.Take(hook.WatchedDirectories);
        var canary = Canary.New();
        using var bundle = hook.NewBundle(
            server,
            bucket,
            canary,
            "cat",
            "/mnt/s3/hello.txt",
            "/mnt/s3/dir/long.txt"
        );

        using var runc = new Runc();
        var result = runc.Run(bundle);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("hello from the bucket\n" + LongText, result.Stdout);
        leftovers.AssertNothingNew();
        Canary.AssertAbsent(canary, result.Stdout, result.Stderr, hook.LogText);
        Assert.Contains("\"event\":\"mounted\"", hook.LogText, StringComparison.Ordinal);
        Assert.Contains("\"event\":\"cleaned\"", hook.LogText, StringComparison.Ordinal);
    }

    [SystemFact(AllMounters)]
    public void PrefixMountsSubtree()
    {
        var bucket = S3ServerFixture.UniqueBucketName("prefix");
        server.CreateBucket(
            bucket,
            new Dictionary<string, string>
            {
                ["outside.txt"] = "no\n",
                ["team/a/inside.txt"] = "yes\n",
            }
        );
        using var hook = new HookHarness("s3fs");
        using var bundle = hook.NewBundle(server, bucket, Canary.New(), "ls", "/mnt/s3");
        bundle.Env["S3_PREFIX"] = "team/a";

        using var runc = new Runc();
        var result = runc.Run(bundle);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("inside.txt\n", result.Stdout);
    }

    [SystemFact(AllMounters)]
    public void TargetCreatedFromEnvironment()
    {
        var bucket = S3ServerFixture.UniqueBucketName("target");
        server.CreateBucket(bucket, new Dictionary<string, string> { ["f.txt"] = "target\n" });
        using var hook = new HookHarness("s3fs");
        using var bundle = new BusyboxBundle("cat", "/data/nested/s3/f.txt");
        HookHarness.RequestMount(bundle, server, bucket, Canary.New());
        bundle.Env["CONTAINER_MOUNTPOINT"] = "/data/nested/s3";
        hook.Register(bundle);

        using var runc = new Runc();
        var result = runc.Run(bundle);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("target\n", result.Stdout);
        Assert.False(Directory.Exists("/data/nested/s3"), "the target was created on the host");
    }

    [SystemFact(AllMounters)]
    public void TwoContainersSeeOwnBuckets()
    {
        var first = S3ServerFixture.UniqueBucketName("first");
        var second = S3ServerFixture.UniqueBucketName("second");
        server.CreateBucket(first, new Dictionary<string, string> { ["who.txt"] = "first\n" });
        server.CreateBucket(second, new Dictionary<string, string> { ["who.txt"] = "second\n" });
        using var hook = new HookHarness("s3fs");
        var leftovers = Leftovers.Take(hook.WatchedDirectories);

        var results = new[] { first, second }
            .AsParallel()
            .WithDegreeOfParallelism(2)
            .Select(bucket =>
            {
                using var bundle = hook.NewBundle(
                    server,
                    bucket,
                    Canary.New(),
                    "cat",
                    "/mnt/s3/who.txt"
                );
                using var runc = new Runc();
                return (Bucket: bucket, Result: runc.Run(bundle));
            })
            .ToDictionary(run => run.Bucket, run => run.Result);

        Assert.True(results[first].ExitCode == 0, results[first].ToString());
        Assert.True(results[second].ExitCode == 0, results[second].ToString());
        Assert.Equal("first\n", results[first].Stdout);
        Assert.Equal("second\n", results[second].Stdout);
        leftovers.AssertNothingNew();
    }

    [SystemFact(AllMounters)]
    public void ContainerWithoutFlagUntouched()
    {
        var bucket = S3ServerFixture.UniqueBucketName("noflag");
        server.CreateBucket(bucket, new Dictionary<string, string> { ["f.txt"] = "x\n" });
        using var hook = new HookHarness("s3fs");
        using var bundle = hook.NewBundle(server, bucket, Canary.New(), "ls", "-a", "/mnt/s3");
        bundle.Env.Remove(HookHarness.Flag);

        using var runc = new Runc();
        var result = runc.Run(bundle);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(".\n..\n", result.Stdout);
        Assert.Equal(["containers", "locks"], hook.Entries().Select(Path.GetFileName).Order());
        Assert.Equal("", hook.LogText);
    }

    [SystemTheory(AllMounters)]
    [InlineData("s3fs", "bucket or key not found")]
    [InlineData("mount-s3", "The bucket does not exist")]
    public void MissingBucketFailsContainer(string mounter, string mounterMessage)
    {
        using var hook = new HookHarness(mounter);
        var leftovers = Leftovers.Take(hook.WatchedDirectories);
        var canary = Canary.New();
        using var bundle = hook.NewBundle(
            server,
            S3ServerFixture.UniqueBucketName("missing"),
            canary,
            "true"
        );

        using var runc = new Runc();
        var result = runc.Run(bundle);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("s3mounthook: container ", result.Stderr, StringComparison.Ordinal);
        Assert.Contains(mounterMessage, result.Stderr, StringComparison.Ordinal);
        leftovers.AssertNothingNew();
        Canary.AssertAbsent(canary, result.Stdout, result.Stderr, hook.LogText);
    }

    [SystemTheory(AllMounters)]
    [InlineData("s3fs")]
    [InlineData("rclone")]
    public void UnknownAccessKeyFailsContainer(string mounter)
    {
        var bucket = S3ServerFixture.UniqueBucketName("badkey");
        server.CreateBucket(bucket, new Dictionary<string, string> { ["f.txt"] = "x\n" });
        using var hook = new HookHarness(mounter);
        var leftovers = Leftovers.Take(hook.WatchedDirectories);
        using var bundle = hook.NewBundle(server, bucket, Canary.New(), "true");

        // The local S3 server rejects an access key id it does not know with 403.
        bundle.Env["AWS_ACCESS_KEY_ID"] = "UNKNOWNKEY";
        using var runc = new Runc();
        var result = runc.Run(bundle);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(
            $"s3mounthook: container {result.ContainerId}: mounter",
            result.Stderr,
            StringComparison.Ordinal
        );
        leftovers.AssertNothingNew();
    }

    [SystemFact(AllMounters)]
    public void OptionLikeBucketRejected()
    {
        using var hook = new HookHarness("mount-s3");
        var leftovers = Leftovers.Take(hook.WatchedDirectories);
        using var bundle = hook.NewBundle(server, "--foreground", Canary.New(), "true");

        using var runc = new Runc();
        var result = runc.Run(bundle);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(
            "S3_BUCKET \"--foreground\" is not a valid bucket name",
            result.Stderr,
            StringComparison.Ordinal
        );
        Assert.Equal(["containers", "locks"], hook.Entries().Select(Path.GetFileName).Order());
        leftovers.AssertNothingNew();
    }

    [SystemFact(AllMounters)]
    public void SecretWithNewlineRejectedUnseen()
    {
        using var hook = new HookHarness("s3fs");
        var canary = Canary.New();
        using var bundle = hook.NewBundle(
            server,
            S3ServerFixture.UniqueBucketName("newline"),
            canary + "\n",
            "true"
        );

        using var runc = new Runc();
        var result = runc.Run(bundle);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(
            "AWS_SECRET_ACCESS_KEY contains a control character",
            result.Stderr,
            StringComparison.Ordinal
        );
        Canary.AssertAbsent(canary, result.Stdout, result.Stderr, hook.LogText);
    }
}

/// <summary>A unique secret value planted in a test, and the check that it never shows up.</summary>
public static class Canary
{
    /// <summary>Returns a fresh canary secret key.</summary>
    public static string New() => "canary" + Guid.NewGuid().ToString("N");

    /// <summary>Fails when any of the texts contains the canary.</summary>
    public static void AssertAbsent(string canary, params string[] texts)
    {
        for (var index = 0; index < texts.Length; index++)
        {
            Assert.False(
                texts[index].Contains(canary, StringComparison.Ordinal),
                $"text {index} contains the secret"
            );
        }
    }

    /// <summary>Fails when the file contains the canary.</summary>
    public static void AssertAbsentFromFile(string canary, string path) =>
        AssertAbsent(canary, Encoding.UTF8.GetString(File.ReadAllBytes(path)));
}
