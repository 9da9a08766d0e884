using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using S3MountHook.Tests.EndToEnd;
using S3MountHook.Tests.Infrastructure;
using Xunit;

namespace S3MountHook.Tests.Lifecycle;

/// <summary>
/// The hook's lifecycle against real FUSE mounts: repeated, missing and interrupted stages, a killed
/// hook, a killed mounter, the runtime's deadline, hostile mount targets and the mounter's process
/// attributes. The container is a <see cref="StandInContainer"/> and the tests run the hook binary
/// directly, as runc would, so each can stop at the exact step it examines. Each test ends by
/// checking that no mount, mounter process, directory or file of the hook remains.
/// </summary>
public sealed class LifecycleTests(S3ServerFixture server) : IClassFixture<S3ServerFixture>
{
    private const Requires Mounters = Requires.ContainerWithS3 | Requires.S3fs | Requires.Curl;

    private const string Greeting = "hello from the bucket\n";

    [SystemFact(Mounters)]
    public void PrestartTwiceKeepsOneMount()
    {
        using var hook = new HookHarness("s3fs");
        var leftovers = Leftovers.Take(hook.WatchedDirectories);
        using var container = NewContainer(NewBucket("twice"));
        using var guard = new PoststopGuard(hook, container);

        var first = hook.Run(container.State("creating"), "prestart");
        var second = hook.Run(container.State("creating"), "prestart");
        var now = Leftovers.Take();
        var status = StatusOf(hook, container.Id);

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Single(MountersOf(hook, now));
        Assert.Single(FuseMountsOf(hook, now));
        Assert.Equal("alive", status?["health"]?.GetValue<string>());
        Assert.Contains("\"event\":\"already-mounted\"", hook.LogText, StringComparison.Ordinal);
        Assert.Equal(Greeting, File.ReadAllText(container.SeenInside("/mnt/s3/hello.txt")));

        StopAndClean(hook, container);
        leftovers.AssertNothingNew();
    }

    [SystemFact(Mounters)]
    public void SameIdOtherContainerRejected()
    {
        using var hook = new HookHarness("s3fs");
        var leftovers = Leftovers.Take(hook.WatchedDirectories);
        using var first = NewContainer(NewBucket("sameid"));
        using var guard = new PoststopGuard(hook, first);
        using var second = NewContainer(NewBucket("sameid"));
        var secondState = HookHarness.State(
            first.Id,
            "creating",
            second.Pid,
            second.Bundle.BundleDirectory
        );

        var mounted = hook.Run(first.State("creating"), "prestart");
        var rejected = hook.Run(secondState, "prestart");
        var skipped = hook.Run(
            HookHarness.State(first.Id, "stopped", 0, second.Bundle.BundleDirectory),
            "poststop"
        );

        Assert.True(mounted.ExitCode == 0, mounted.ToString());
        Assert.Equal(1, rejected.ExitCode);
        Assert.Contains(
            $"container id {first.Id} already has a mount for another running container (pid {first.Pid})",
            rejected.Stderr,
            StringComparison.Ordinal
        );
        Assert.Equal(0, skipped.ExitCode);
        Assert.Contains("\"event\":\"poststop-skipped\"", hook.LogText, StringComparison.Ordinal);
        Assert.Equal(Greeting, File.ReadAllText(first.SeenInside("/mnt/s3/hello.txt")));

        StopAndClean(hook, first);
        leftovers.AssertNothingNew();
    }

    [SystemFact(Mounters)]
    public void HostNamespacePidRejected()
    {
        using var hook = new HookHarness("s3fs");
        var leftovers = Leftovers.Take(hook.WatchedDirectories);
        using var container = NewContainer(NewBucket("hostpid"));
        var state = HookHarness.State(
            container.Id,
            "creating",
            Environment.ProcessId,
            container.Bundle.BundleDirectory
        );

        var result = hook.Run(state, "prestart");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(
            $"process {Environment.ProcessId} from the OCI state shares the hook's mount namespace",
            result.Stderr,
            StringComparison.Ordinal
        );
        leftovers.AssertNothingNew();
    }

    [SystemFact(Mounters)]
    public void PoststopTwiceLeavesNothing()
    {
        using var hook = new HookHarness("s3fs");
        var leftovers = Leftovers.Take(hook.WatchedDirectories);
        using var container = NewContainer(NewBucket("poststop"));
        using var guard = new PoststopGuard(hook, container);

        var prestart = hook.Run(container.State("creating"), "prestart");
        container.Stop();
        var first = hook.Run(StoppedState(container), "poststop");
        var second = hook.Run(StoppedState(container), "poststop");

        Assert.True(prestart.ExitCode == 0, prestart.ToString());
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Equal(["containers", "locks"], hook.Entries().Select(Path.GetFileName).Order());
        leftovers.AssertNothingNew();
    }

    [SystemFact(Mounters)]
    public void PoststopAloneCreatesNothing()
    {
        using var hook = new HookHarness("s3fs");
        var leftovers = Leftovers.Take(hook.WatchedDirectories);
        var bundle = Directory.CreateTempSubdirectory("s3mh-life-empty-bundle-");
        var state = HookHarness.State("life-never-started", "stopped", 0, bundle.FullName);

        var result = hook.Run(state, "poststop");
        bundle.Delete();

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("", result.Stderr);
        Assert.Equal(["containers", "locks"], hook.Entries().Select(Path.GetFileName).Order());
        Assert.Equal("", hook.LogText);
        leftovers.AssertNothingNew();
    }

    [SystemFact(Mounters)]
    public void KilledHookRemovedByGc()
    {
        using var endpoint = new SilentEndpoint();
        using var hook = new HookHarness("mount-s3");
        var leftovers = Leftovers.Take(hook.WatchedDirectories);
        using var container = NewContainer("slow-bucket", endpoint.Url);
        using var guard = new PoststopGuard(hook, container);
        using var running = RunningHook.Start(hook, container.State("creating"), "prestart");
        Poll.AssertUntil(
            () => MountersOf(hook, Leftovers.Take()).Count == 1,
            TimeSpan.FromSeconds(10),
            "the hook started the mounter"
        );

        running.Process.Kill();
        running.Process.WaitForExit();
        container.Stop();
        var gc = hook.Run("", "gc");

        Assert.True(gc.ExitCode == 0, gc.ToString());
        Assert.Equal($"removed 1 orphaned containers: {container.Id}\n", gc.Stdout);
        Assert.Equal(["containers", "locks"], hook.Entries().Select(Path.GetFileName).Order());
        leftovers.AssertNothingNew();
    }

    [SystemFact(Mounters)]
    public void GcStopsMounterWithoutRecord()
    {
        // What a hook killed between the mounter's start and the record leaves: directories and
        // the launcher's pid file. A sleep process is the mounter.
        using var hook = new HookHarness("s3fs");
        var leftovers = Leftovers.Take(hook.WatchedDirectories);
        const string id = "life-killed-before-record";
        var directory = Directory
            .CreateDirectory(Path.Combine(hook.StateDirectory, "containers", id))
            .FullName;
        Directory.CreateDirectory(Path.Combine(hook.HostMountpoint, id));
        using var mounter = Process.Start("sleep", "300");
        File.WriteAllText(
            Path.Combine(directory, "mounter.pid"),
            $"{mounter.Id} {StartTimeOf(mounter.Id)}\n"
        );

        var gc = hook.Run("", "gc");

        Assert.True(gc.ExitCode == 0, gc.ToString());
        Assert.Equal($"removed 1 orphaned containers: {id}\n", gc.Stdout);
        Assert.True(
            mounter.WaitForExit(TimeSpan.FromSeconds(10)),
            $"the stand-in mounter pid {mounter.Id} still runs"
        );
        Assert.Equal(["containers", "locks"], hook.Entries().Select(Path.GetFileName).Order());
        leftovers.AssertNothingNew();
    }

    [SystemFact(Mounters)]
    public void SigtermDuringPrestartRollsBack()
    {
        using var endpoint = new SilentEndpoint();
        using var hook = new HookHarness("mount-s3");
        var leftovers = Leftovers.Take(hook.WatchedDirectories);
        using var container = NewContainer("slow-bucket", endpoint.Url);
        using var guard = new PoststopGuard(hook, container);
        using var running = RunningHook.Start(hook, container.State("creating"), "prestart");
        Poll.AssertUntil(
            () => MountersOf(hook, Leftovers.Take()).Count == 1,
            TimeSpan.FromSeconds(10),
            "the hook started the mounter"
        );
        var clock = Stopwatch.StartNew();

        Signal("TERM", running.Process.Id);
        var exited = running.Process.WaitForExit(TimeSpan.FromSeconds(10));
        var elapsed = clock.Elapsed;

        Assert.True(exited, "the hook did not exit within 10 s of SIGTERM");
        Assert.True(
            elapsed < TimeSpan.FromSeconds(10),
            $"the hook took {elapsed.TotalSeconds:0.0} s to exit after SIGTERM"
        );
        Assert.Equal(1, running.Process.ExitCode);
        Assert.Contains("interrupted by a signal", running.Stderr, StringComparison.Ordinal);
        container.Stop();
        leftovers.AssertNothingNew();
    }

    [SystemFact(Mounters)]
    public void KilledMounterShowsBroken()
    {
        using var hook = new HookHarness("s3fs");
        var leftovers = Leftovers.Take(hook.WatchedDirectories);
        using var container = NewContainer(NewBucket("broken"));
        using var guard = new PoststopGuard(hook, container);
        var prestart = hook.Run(container.State("creating"), "prestart");
        Assert.True(prestart.ExitCode == 0, prestart.ToString());
        var mounterPid = RecordOf(hook, container.Id)["mounterPid"]!.GetValue<int>();

        Signal("KILL", mounterPid);
        Poll.AssertUntil(
            () => !Leftovers.IsProcessLive(mounterPid),
            TimeSpan.FromSeconds(10),
            $"mounter pid {mounterPid} is dead"
        );

        // status exits 1 while a mount is broken, so monitoring can run it as a check.
        var status = StatusOf(hook, container.Id, expectedExitCode: 1);
        container.Stop();
        var poststop = hook.Run(StoppedState(container), "poststop");

        Assert.Equal("broken", status?["health"]?.GetValue<string>());
        Assert.Equal($"mounter pid {mounterPid} is gone", status?["reason"]?.GetValue<string>());
        Assert.True(poststop.ExitCode == 0, poststop.ToString());
        Assert.Contains(
            $"\"container\":\"{container.Id}\",\"stage\":\"poststop\",\"event\":\"cleaned\"",
            hook.LogText,
            StringComparison.Ordinal
        );
        leftovers.AssertNothingNew();
    }

    [SystemFact(Mounters)]
    public void RuntimeTimeoutCutsDeadline()
    {
        using var endpoint = new SilentEndpoint();
        using var hook = new HookHarness("mount-s3");
        var leftovers = Leftovers.Take(hook.WatchedDirectories);
        var bundle = NewBundle("slow-bucket", endpoint.Url);
        bundle.Prestart.Add(
            new OciHook(
                HookHarness.BinaryPath,
                ["s3mounthook", "--config", hook.ConfigPath, "prestart"],
                null,
                5
            )
        );
        using var container = new StandInContainer(bundle);
        using var guard = new PoststopGuard(hook, container);
        var clock = Stopwatch.StartNew();

        var result = hook.Run(container.State("creating"), "prestart");
        var elapsed = clock.Elapsed;

        Assert.Equal(1, result.ExitCode);
        Assert.True(
            elapsed < TimeSpan.FromSeconds(5),
            $"the hook took {elapsed.TotalSeconds:0.0} s, longer than the runtime's 5 s timeout"
        );
        Assert.Contains(
            "did not mount bucket slow-bucket within 3 s and was stopped",
            result.Stderr,
            StringComparison.Ordinal
        );
        Assert.Contains("\"code\":\"MounterTimedOut\"", hook.LogText, StringComparison.Ordinal);
        container.Stop();
        leftovers.AssertNothingNew();
    }

    [SystemTheory(Mounters)]
    [InlineData("/etc", "/etc")]
    [InlineData("../../../../tmp", "/tmp")]
    public void SymlinkTargetStaysInRoot(string linkTarget, string seenAt)
    {
        using var hook = new HookHarness("s3fs");
        var leftovers = Leftovers.Take(hook.WatchedDirectories);
        var bundle = NewBundle(NewBucket("symlink"), server.EndpointUrl);
        bundle.Env["CONTAINER_MOUNTPOINT"] = "/data/link";
        bundle.CreateRootfsDirectory("etc");
        bundle.CreateRootfsDirectory("tmp");
        bundle.CreateRootfsDirectory("data");
        File.CreateSymbolicLink(Path.Combine(bundle.RootfsDirectory, "data", "link"), linkTarget);
        using var container = new StandInContainer(bundle);
        using var guard = new PoststopGuard(hook, container);
        var hostMountsBefore = MountPointsOnHost();

        var result = hook.Run(container.State("creating"), "prestart");
        var inside = container.MountPointsInside();
        var hostMountsAfter = MountPointsOnHost();

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(Greeting, File.ReadAllText(container.SeenInside(seenAt + "/hello.txt")));
        Assert.Contains(container.Bundle.RootfsDirectory + seenAt, inside);
        Assert.DoesNotContain("/etc", inside);
        Assert.DoesNotContain("/tmp", inside);
        Assert.Equal(hostMountsBefore.Count("/etc".Equals), hostMountsAfter.Count("/etc".Equals));
        Assert.Equal(hostMountsBefore.Count("/tmp".Equals), hostMountsAfter.Count("/tmp".Equals));

        StopAndClean(hook, container);
        leftovers.AssertNothingNew();
    }

    [SystemFact(Mounters)]
    public void MounterEnvironmentAllowlisted()
    {
        using var hook = new HookHarness("s3fs");
        var leftovers = Leftovers.Take(hook.WatchedDirectories);
        var secret = Canary.New();
        var bundle = NewBundle(NewBucket("environ"), server.EndpointUrl, secret);
        bundle.Env["LD_PRELOAD"] = "/lib/canary-preload.so";
        bundle.Env["HOME"] = "/root";
        bundle.Env["CANARY"] = Canary.New();
        using var container = new StandInContainer(bundle);
        using var guard = new PoststopGuard(hook, container);

        var result = hook.Run(container.State("creating"), "prestart");
        Assert.True(result.ExitCode == 0, result.ToString());
        var pid = RecordOf(hook, container.Id)["mounterPid"]!.GetValue<int>();
        var names = File.ReadAllText($"/proc/{pid}/environ")
            .Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(variable => variable[..variable.IndexOf('=', StringComparison.Ordinal)])
            .Order(StringComparer.Ordinal);
        var commandLine = File.ReadAllText($"/proc/{pid}/cmdline");

        Assert.Equal(["AWS_EC2_METADATA_DISABLED", "AWS_REGION", "PATH"], names);
        Assert.DoesNotContain(secret, commandLine, StringComparison.Ordinal);
        Assert.Equal(pid, SessionOf(pid));
        Assert.NotEqual(SessionOf(Environment.ProcessId), SessionOf(pid));
        Assert.Equal("/", new DirectoryInfo($"/proc/{pid}/cwd").LinkTarget);
        Assert.Equal("/dev/null", new FileInfo($"/proc/{pid}/fd/0").LinkTarget);

        StopAndClean(hook, container);
        leftovers.AssertNothingNew();
    }

    private string NewBucket(string name)
    {
        var bucket = S3ServerFixture.UniqueBucketName(name);
        server.CreateBucket(bucket, new Dictionary<string, string> { ["hello.txt"] = Greeting });
        return bucket;
    }

    private StandInContainer NewContainer(string bucket, string? endpointUrl = null) =>
        new(NewBundle(bucket, endpointUrl ?? server.EndpointUrl));

    private BusyboxBundle NewBundle(string bucket, string endpointUrl, string? secretKey = null)
    {
        var bundle = new BusyboxBundle("sleep", "300");
        HookHarness.RequestMount(bundle, server, bucket, secretKey ?? Canary.New());
        bundle.Env["S3_ENDPOINT_URL"] = endpointUrl;
        bundle.CreateRootfsDirectory("mnt/s3");
        return bundle;
    }

    // runc passes no pid at poststop, and a state without the field parses to pid 0.
    private static string StoppedState(StandInContainer container) =>
        HookHarness.State(container.Id, "stopped", 0, container.Bundle.BundleDirectory);

    private static void StopAndClean(HookHarness hook, StandInContainer container)
    {
        container.Stop();
        var poststop = hook.Run(StoppedState(container), "poststop");
        Assert.True(poststop.ExitCode == 0, poststop.ToString());
    }

    private static JsonNode RecordOf(HookHarness hook, string containerId) =>
        JsonNode.Parse(
            File.ReadAllText(
                Path.Combine(hook.StateDirectory, "containers", containerId, "record.json")
            )
        )!;

    private static JsonNode? StatusOf(
        HookHarness hook,
        string containerId,
        int expectedExitCode = 0
    )
    {
        var result = hook.Run("", "status", "--json");
        Assert.True(result.ExitCode == expectedExitCode, result.ToString());
        return JsonNode
            .Parse(result.Stdout)!
            .AsArray()
            .SingleOrDefault(mount => mount?["container"]?.GetValue<string>() == containerId);
    }

    // Other programs on the machine may mount with s3fs too, so only the harness's staging paths count.
    private static List<MounterProcess> MountersOf(HookHarness hook, Leftovers snapshot) =>
        snapshot
            .MounterProcesses.Where(process =>
                process.CommandLine.Contains(hook.HostMountpoint + "/", StringComparison.Ordinal)
            )
            .ToList();

    private static List<string> FuseMountsOf(HookHarness hook, Leftovers snapshot) =>
        snapshot
            .FuseMounts.Where(mount =>
                mount.StartsWith(
                    Leftovers.EscapeMountInfoPath(hook.HostMountpoint) + "/",
                    StringComparison.Ordinal
                )
            )
            .ToList();

    private static List<string> MountPointsOnHost() =>
        File.ReadLines("/proc/self/mountinfo").Select(line => line.Split(' ')[4]).ToList();

    // Field 6 of /proc/PID/stat.
    private static int SessionOf(int pid) =>
        int.Parse(StatFieldsOf(pid)[3], CultureInfo.InvariantCulture);

    // Field 22 of /proc/PID/stat, in clock ticks since boot.
    private static string StartTimeOf(int pid) => StatFieldsOf(pid)[19];

    // Fields 3 and later of /proc/PID/stat, counted after the command name, which may contain spaces.
    private static string[] StatFieldsOf(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    }

    private static void Signal(string signal, int pid)
    {
        var result = ProcessRunner.Run(
            "kill",
            ["-" + signal, pid.ToString(CultureInfo.InvariantCulture)],
            TimeSpan.FromSeconds(10)
        );
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    /// <summary>
    /// Stops the container and runs poststop when a test ends, also after a failed assert, so
    /// that a failing test leaves no mount or mounter for the tests after it.
    /// </summary>
    private sealed class PoststopGuard(HookHarness hook, StandInContainer container) : IDisposable
    {
        public void Dispose()
        {
            container.Stop();
            hook.Run(StoppedState(container), "poststop");
        }
    }

    /// <summary>The hook running in the background with its output in files.</summary>
    private sealed class RunningHook : IDisposable
    {
        private readonly DirectoryInfo files;

        private RunningHook(DirectoryInfo files, Process process)
        {
            this.files = files;
            Process = process;
        }

        public Process Process { get; }

        public string Stderr => File.ReadAllText(Path.Combine(files.FullName, "stderr"));

        public static RunningHook Start(HookHarness hook, string stdin, string stage)
        {
            var files = Directory.CreateTempSubdirectory("s3mh-life-hook-");
            var stdinPath = Path.Combine(files.FullName, "stdin");
            File.WriteAllText(stdinPath, stdin);
            var process = ProcessRunner.Start(
                HookHarness.BinaryPath,
                ["--config", hook.ConfigPath, stage],
                null,
                null,
                stdinPath,
                Path.Combine(files.FullName, "stdout"),
                Path.Combine(files.FullName, "stderr")
            );
            return new RunningHook(files, process);
        }

        public void Dispose()
        {
            if (!Process.HasExited)
            {
                Process.Kill();
                Process.WaitForExit();
            }

            Process.Dispose();
            files.Delete(recursive: true);
        }
    }
}
