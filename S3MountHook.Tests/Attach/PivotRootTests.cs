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

    [RootFact]
    public void NamespaceRootMatchesInitRoot()
    {
        // The attach step cannot tell the two cases apart by comparing these, because the kernel
        // makes them equal before and after pivot_root. This test records that behaviour.
        container.Attach("/warm").ThrowIfFail();
        container.DetachClonesInside();
        var before = InitRootMatchesNamespaceRoot();
        PivotIntoRootfs();

        var after = InitRootMatchesNamespaceRoot();

        Assert.True(before);
        Assert.True(after);
    }

    private bool InitRootMatchesNamespaceRoot()
    {
        var flags = Libc.OPath | Libc.ODirectory | Libc.OCloexec;
        var initRoot = $"/proc/{container.Pid}/root";
        var init = Libc.Open(initRoot, flags).Use(root => Libc.Identify(root, initRoot));
        var inside = container.InNamespace(() =>
            Libc.Open("/", flags).Use(root => Libc.Identify(root, "/"))
        );
        return init.ThrowIfFail() == inside.ThrowIfFail();
    }

    // runc's sequence: pivot_root(".", ".") stacks the old root on the new one, and a lazy
    // unmount of "." removes it. pivot_root changes the root of every process that used the old
    // one, so the sleeping process ends up inside the rootfs.
    private void PivotIntoRootfs()
    {
        var root = container.RootPath;
        container
            .InNamespace(() =>
                TestLibc
                    .ChangeDirectory(root)
                    .Bind(_ => TestLibc.PivotRootHere())
                    .Bind(_ => Libc.UnmountDetached("."))
            )
            .ThrowIfFail();
    }
}
