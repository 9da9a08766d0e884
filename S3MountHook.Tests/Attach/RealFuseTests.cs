using System.Diagnostics;
using S3MountHook.Attach;
using S3MountHook.Native;
using S3MountHook.Tests.Support;
using Xunit;

namespace S3MountHook.Tests.Attach;

/// <summary>
/// Attaches a real FUSE mount, served by rclone from a local directory, with the production
/// FUSE check. Needs root and rclone.
/// </summary>
[Collection(MountTests.Name)]
public sealed class RealFuseTests : IDisposable
{
    private static readonly TimeSpan MountTimeout = TimeSpan.FromSeconds(30);

    private readonly FakeContainer container = new(mountTmpfs: false);
    private readonly Process? rclone;

    public RealFuseTests()
    {
        if (!Commands.Exists("rclone"))
        {
            return;
        }

        var source = container.Create("bucket");
        File.WriteAllText(Path.Combine(source, container.MarkerName), "served by FUSE");
        rclone = StartRclone(source, container.StagingPath);
    }

    public void Dispose()
    {
        // Detaching first makes the FUSE connection end cleanly before the daemon dies.
        MountAttacher.DetachStaging(container.StagingPath).ThrowIfFail();
        rclone?.Kill();
        rclone?.WaitForExit();
        rclone?.Dispose();
        container.Dispose();
    }

    [RcloneFact]
    public void AttachRealFuseMount()
    {
        WaitForFuseMount();

        var result = MountAttacher.Attach(container.Request("/data"), StagingCheck.RequireFuse);

        Assert.Equal("/data", result.ThrowIfFail().ResolvedTarget);
        Assert.True(container.MarkerVisibleInside("/data"));
        var inside = MountTable.ReadProcess(container.Pid).ThrowIfFail();
        var attached = MountTable.FindVisibleAt(inside, container.RootPath + "/data");
        Assert.StartsWith("fuse", attached.Map(e => e.FileSystemType).IfNone(""));
    }

    private static Process StartRclone(string source, string staging)
    {
        var info = Commands.StartInfo("rclone", "mount", source, staging, "--config", "/dev/null");

        // rclone 1.60 fails to start while AWS_CA_BUNDLE and similar variables are set.
        info.Environment.Clear();
        info.Environment["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin";
        info.Environment["HOME"] = Path.GetTempPath();
        return Process.Start(info) ?? throw new InvalidOperationException("rclone did not start");
    }

    private void WaitForFuseMount()
    {
        var mounted = SpinWait.SpinUntil(IsFuseMounted, MountTimeout);
        Assert.True(mounted, $"rclone did not mount {container.StagingPath} within {MountTimeout}");
    }

    private bool IsFuseMounted() =>
        MountTable.ReadSelf().ThrowIfFail() is var table
        && MountTable
            .FindVisibleAt(table, container.StagingPath)
            .Exists(entry => entry.FileSystemType.StartsWith("fuse", StringComparison.Ordinal));
}
