using System.Text.Json.Nodes;
using Xunit;

namespace S3MountHook.Tests.Infrastructure;

/// <summary>Proves that <see cref="BusyboxBundle"/> and <see cref="Runc"/> run containers and hooks.</summary>
public sealed class InfrastructureSmokeTests : IDisposable
{
    private const Requires ContainerRequirements = Requires.Root | Requires.Runc | Requires.Busybox;

    private readonly DirectoryInfo workDirectory = Directory.CreateTempSubdirectory("e2e-smoke-");

    public void Dispose() => workDirectory.Delete(recursive: true);

    [SystemFact(ContainerRequirements)]
    public void ContainerPrintsRootfsFileAndHostname()
    {
        using var bundle = new BusyboxBundle("sh", "-c", "cat /etc/e2e-marker; hostname; id -u");
        bundle.WriteRootfsFile("etc/e2e-marker", "marker from the rootfs\n");
        using var runc = new Runc();

        var result = runc.Run(bundle);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("marker from the rootfs\ne2e-busybox\n0\n", result.Stdout);
        Assert.Equal("", result.Stderr);
        Assert.Empty(runc.ListContainers());
    }

    [SystemFact(ContainerRequirements)]
    public void ContainerExitCodeIsReturned()
    {
        using var bundle = new BusyboxBundle("sh", "-c", "echo failing >&2; exit 7");
        bundle.Uid = 1000;
        bundle.Gid = 1000;
        using var runc = new Runc();

        var result = runc.Run(bundle);

        Assert.Equal(7, result.ExitCode);
        Assert.Equal("", result.Stdout);
        Assert.Equal("failing\n", result.Stderr);
    }

    [SystemFact(ContainerRequirements)]
    public void ReadonlyRootfsRejectsWrites()
    {
        using var bundle = new BusyboxBundle(
            "sh",
            "-c",
            "touch /etc/new-file 2>/dev/null; echo $?"
        );
        using var runc = new Runc();

        bundle.ReadonlyRootfs = true;
        var readOnly = runc.Run(bundle);
        bundle.ReadonlyRootfs = false;
        var writable = runc.Run(bundle);

        Assert.Equal("1\n", readOnly.Stdout);
        Assert.Equal("0\n", writable.Stdout);
    }

    [SystemFact(ContainerRequirements)]
    public void HooksReceiveOciState()
    {
        var prestartOutput = Path.Combine(workDirectory.FullName, "prestart.json");
        var poststopOutput = Path.Combine(workDirectory.FullName, "poststop.json");
        var hook = WriteStateRecorderHook();
        using var bundle = new BusyboxBundle("true");
        bundle.Annotations["e2e.example/annotation"] = "value";
        bundle.Prestart.Add(
            new OciHook(
                hook,
                [Path.GetFileName(hook), prestartOutput],
                ["E2E_HOOK_VALUE=from-config"],
                10
            )
        );
        bundle.Poststop.Add(
            new OciHook(
                hook,
                [Path.GetFileName(hook), poststopOutput],
                ["E2E_HOOK_VALUE=from-config"],
                10
            )
        );
        using var runc = new Runc();

        var result = runc.Run(bundle);

        Assert.True(result.ExitCode == 0, result.ToString());
        var prestart = JsonNode.Parse(File.ReadAllText(prestartOutput))!;
        Assert.Equal("creating", (string?)prestart["status"]);
        Assert.Equal(result.ContainerId, (string?)prestart["id"]);
        Assert.True((int)prestart["pid"]! > 0, $"prestart pid is {prestart["pid"]}");
        Assert.Equal(bundle.BundleDirectory, (string?)prestart["bundle"]);
        Assert.Equal("value", (string?)prestart["annotations"]!["e2e.example/annotation"]);
        Assert.Equal("from-config\n", File.ReadAllText(prestartOutput + ".env"));

        var poststop = JsonNode.Parse(File.ReadAllText(poststopOutput))!;
        Assert.Equal("stopped", (string?)poststop["status"]);
        Assert.Equal(result.ContainerId, (string?)poststop["id"]);
    }

    [SystemFact(ContainerRequirements)]
    public void FailedPrestartStillRunsPoststop()
    {
        var poststopOutput = Path.Combine(workDirectory.FullName, "poststop.json");
        var failingHook = Path.Combine(workDirectory.FullName, "failing-hook");
        File.WriteAllText(
            failingHook,
            "#!/bin/sh\necho 'prestart failed on purpose' >&2\nexit 3\n"
        );
        File.SetUnixFileMode(
            failingHook,
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        );
        var recorder = WriteStateRecorderHook();
        using var bundle = new BusyboxBundle("sh", "-c", "echo container ran");
        bundle.Prestart.Add(new OciHook(failingHook, ["failing-hook"]));
        bundle.Poststop.Add(new OciHook(recorder, [Path.GetFileName(recorder), poststopOutput]));
        using var runc = new Runc();

        var result = runc.Run(bundle);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Equal("", result.Stdout);
        Assert.Contains("prestart failed on purpose", result.Stderr, StringComparison.Ordinal);
        Assert.True(
            File.Exists(poststopOutput),
            "the poststop hook did not run after the failed prestart hook"
        );
        Assert.Empty(runc.ListContainers());
    }

    // Writes a hook that stores its stdin (the OCI state) in the file named by its first argument and
    // the E2E_HOOK_VALUE variable in that file name plus ".env".
    private string WriteStateRecorderHook()
    {
        var path = Path.Combine(workDirectory.FullName, "record-state");
        File.WriteAllText(path, "#!/bin/sh\ncat > \"$1\"\necho \"$E2E_HOOK_VALUE\" > \"$1.env\"\n");
        File.SetUnixFileMode(
            path,
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        );
        return path;
    }
}
