using System.Diagnostics;
using System.Globalization;
using S3MountHook.Tests.EndToEnd;
using S3MountHook.Tests.Infrastructure;

namespace S3MountHook.Tests.Lifecycle;

/// <summary>
/// A container as runc leaves it while it runs prestart hooks: a busybox bundle whose config.json
/// names the rootfs, and a process in its own private mount namespace, where the rootfs is
/// bind-mounted onto itself. The process is <c>sleep</c>, so tests drive the hook directly with
/// its pid in the state and decide when the container stops. Dispose stops the process, which
/// destroys the namespace and every mount in it, and deletes the bundle.
/// </summary>
public sealed class StandInContainer : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);

    private readonly Process sleeper;

    /// <summary>Writes the bundle's config.json and starts the container process.</summary>
    public StandInContainer(BusyboxBundle bundle)
    {
        Bundle = bundle;
        Id = "life-" + Guid.NewGuid().ToString("N")[..12];
        bundle.Write();

        // sh binds the rootfs onto itself inside the new namespace, as runc does, then becomes sleep.
        var script = "mount --rbind \"$1\" \"$1\" && exec sleep 300";
        sleeper = Process.Start(
            new ProcessStartInfo(
                "unshare",
                [
                    "--mount",
                    "--propagation",
                    "private",
                    "sh",
                    "-c",
                    script,
                    "sh",
                    bundle.RootfsDirectory,
                ]
            )
            {
                UseShellExecute = false,
            }
        ) ?? throw new InvalidOperationException("unshare did not start");
        Pid = sleeper.Id;
        Poll.AssertUntil(
            IsSleeping,
            StartTimeout,
            $"the stand-in container (pid {Pid}) runs sleep in its own mount namespace"
        );
    }

    /// <summary>The container id used in the OCI state.</summary>
    public string Id { get; }

    /// <summary>The bundle whose config.json the hook reads.</summary>
    public BusyboxBundle Bundle { get; }

    /// <summary>The container's init process, in the host's pid namespace.</summary>
    public int Pid { get; }

    /// <summary>Returns the OCI state a runtime passes to a hook at <paramref name="status"/>.</summary>
    public string State(string status) =>
        HookHarness.State(Id, status, Pid, Bundle.BundleDirectory);

    /// <summary>Returns the host path through which <paramref name="containerPath"/> is seen inside the container.</summary>
    public string SeenInside(string containerPath) =>
        $"/proc/{Pid}/root{Bundle.RootfsDirectory}{containerPath}";

    /// <summary>Returns the mount points in the container's mount namespace.</summary>
    public IReadOnlyList<string> MountPointsInside() =>
        File.ReadLines($"/proc/{Pid}/mountinfo").Select(line => line.Split(' ')[4]).ToList();

    /// <summary>Kills the container process and waits until it is reaped.</summary>
    public void Stop()
    {
        if (!sleeper.HasExited)
        {
            sleeper.Kill();
            sleeper.WaitForExit();
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Stop();
        sleeper.Dispose();
        Bundle.Dispose();
    }

    private bool IsSleeping()
    {
        try
        {
            var command = File.ReadAllText(
                    $"/proc/{Pid.ToString(CultureInfo.InvariantCulture)}/comm"
                )
                .Trim();
            return command == "sleep";
        }
        catch (IOException)
        {
            return false;
        }
    }
}
