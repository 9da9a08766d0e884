using System.Text.Json.Nodes;
using S3MountHook.Tests.Infrastructure;
using Xunit;

namespace S3MountHook.Tests.EndToEnd;

/// <summary>
/// Podman runs the hook from a hooks.d entry, as CRI-O does: one entry for prestart and poststop
/// with no stage argument, so the hook takes the stage from the state's status.
/// </summary>
public sealed class HooksDirectoryTests(S3ServerFixture server) : IClassFixture<S3ServerFixture>
{
    [SystemFact(Requires.ContainerWithS3 | Requires.S3fs | Requires.Podman)]
    public void PodmanHookEntryMountsBucket()
    {
        var bucket = S3ServerFixture.UniqueBucketName("podman");
        server.CreateBucket(
            bucket,
            new Dictionary<string, string> { ["hello.txt"] = "hello through hooks.d\n" }
        );
        using var hook = new HookHarness("s3fs");
        var leftovers = Leftovers.Take(hook.WatchedDirectories);
        using var bundle = new BusyboxBundle("true");
        bundle.CreateRootfsDirectory("mnt/s3");
        using var hooksDirectory = new HooksDirectory(hook);
        var canary = Canary.New();

        var result = ProcessRunner.Run(
            "podman",
            [
                "--cgroup-manager=cgroupfs",
                "--runtime",
                "runc",
                "--hooks-dir",
                hooksDirectory.Path,
                "run",
                "--rm",
                "--network",
                "none",
                // runc 1.1.5 under podman 4.3 fails on setrlimit here without explicit limits.
                "--ulimit",
                "nofile=1024:1024",
                "--ulimit",
                "nproc=1024:1024",
                "-e",
                "S3_MOUNT=true",
                "-e",
                $"S3_BUCKET={bucket}",
                "-e",
                $"S3_ENDPOINT_URL={server.EndpointUrl}",
                "-e",
                $"AWS_ACCESS_KEY_ID={S3ServerFixture.AccessKey}",
                "-e",
                $"AWS_SECRET_ACCESS_KEY={canary}",
                "-e",
                $"AWS_REGION={S3ServerFixture.Region}",
                "--rootfs",
                bundle.RootfsDirectory,
                "cat",
                "/mnt/s3/hello.txt",
            ],
            TimeSpan.FromSeconds(120)
        );

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("hello through hooks.d\n", result.Stdout);
        Assert.Contains(
            "\"stage\":\"poststop\",\"event\":\"cleaned\"",
            hook.LogText,
            StringComparison.Ordinal
        );
        leftovers.AssertNothingNew();
        Canary.AssertAbsent(canary, result.Stdout, result.Stderr, hook.LogText);
    }

    /// <summary>A hooks.d directory with one entry like config/hooks.d/s3mounthook.json, pointing at the harness.</summary>
    private sealed class HooksDirectory : IDisposable
    {
        private readonly DirectoryInfo directory = Directory.CreateTempSubdirectory("s3mh-hooksd-");

        public HooksDirectory(HookHarness hook)
        {
            var entry = JsonNode.Parse(
                File.ReadAllText(
                    System.IO.Path.Combine(
                        RepositoryPaths.RepositoryRoot,
                        "config",
                        "hooks.d",
                        "s3mounthook.json"
                    )
                )
            )!;
            entry["hook"]!["path"] = HookHarness.BinaryPath;
            entry["hook"]!["args"] = new JsonArray("s3mounthook", "--config", hook.ConfigPath);
            File.WriteAllText(
                System.IO.Path.Combine(directory.FullName, "s3mounthook.json"),
                entry.ToJsonString()
            );
        }

        public string Path => directory.FullName;

        public void Dispose() => directory.Delete(recursive: true);
    }
}
