using S3MountHook.Native;
using S3MountHook.Tests.Support;
using Xunit;

namespace S3MountHook.Tests.Attach;

/// <summary>Attaches after the fake container's init has called pivot_root. Needs root.</summary>
[Collection(MountTests.Name)]
public sealed class PivotRootTests : IDisposable
{
    private readonly FakeContainer container = new();

    public void Dispose() => container.Dispose();

    [RootFact]
    public void AttachAfterPivotRoot()
    {
        // Under the JIT, code first run inside the pivoted namespace could not load its assembly
        // from the host path, so one attach runs before the pivot.
        container.Attach("/warm").ThrowIfFail();
        container.DetachClonesInside();
        PivotIntoRootfs();

        var result = container.Attach("/data").ThrowIfFail();

        Assert.Equal("after-pivot-root", result.Method);
        Assert.Equal("/data", result.ResolvedTarget);
        Assert.True(File.Exists($"/proc/{container.Pid}/root/data/{container.MarkerName}"));
        Assert.Equal(["/data"], container.ClonesInside());
        Assert.Empty(container.ClonesOnHost());
    }

    // runc's sequence: pivot_root(".", ".") stacks the old root on the new one, and a lazy
    // unmount of "." removes it. pivot_root changes the root of every process that used the old
    // one, so the sleeping process ends up inside the rootfs.
    private void PivotIntoRootfs()
    {
        var root = container.RootPath;
        container.InNamespace(() =>
            TestLibc.ChangeDirectory(root)
                .Bind(_ => TestLibc.PivotRootHere())
                .Bind(_ => Libc.UnmountDetached(".")))
            .ThrowIfFail();
    }
}
