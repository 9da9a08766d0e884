using System.Runtime.Versioning;
using S3MountHook.Attach;
using S3MountHook.Errors;
using S3MountHook.Tests.Support;
using Xunit;

namespace S3MountHook.Tests.Attach;

/// <summary>
/// Attaches a tmpfs stand-in into a fake container; needs root. Runs one test at a time.
/// </summary>
[Collection(MountTests.Name)]
public sealed class MountAttacherTests : IDisposable
{
    private readonly FakeContainer container = new();

    public void Dispose() => container.Dispose();

    [RootFact]
    public void AttachCreatesMissingTarget()
    {
        var result = container.Attach("/data/inner").ThrowIfFail();

        Assert.Equal("/data/inner", result.ResolvedTarget);
        Assert.Equal("before-pivot-root", result.Method);
        Assert.True(container.MarkerVisibleInside("/data/inner"));
        var onHost = Path.Combine(container.RootPath, "data/inner", container.MarkerName);
        Assert.False(File.Exists(onHost));
        Assert.Equal([container.RootPath + "/data/inner"], container.ClonesInside());
        Assert.Empty(container.ClonesOnHost());
    }

    [RootFact]
    [SupportedOSPlatform("linux")]
    public void CreatedDirectoriesIgnoreUmask()
    {
        var previous = TestLibc.Umask(0b000_111_111);
        try
        {
            container.Attach("/made/here").ThrowIfFail();
        }
        finally
        {
            _ = TestLibc.Umask(previous);
        }

        var expected = (UnixFileMode)0b111_101_101;
        Assert.Equal(expected, File.GetUnixFileMode(Path.Combine(container.RootPath, "made")));
        Assert.Equal(expected, File.GetUnixFileMode(Path.Combine(container.RootPath, "made/here")));
    }

    [RootFact]
    public void AttachUsesExistingDirectory()
    {
        Directory.CreateDirectory(Path.Combine(container.RootPath, "mnt/s3"));

        var result = container.Attach("/mnt/s3").ThrowIfFail();

        Assert.Equal("/mnt/s3", result.ResolvedTarget);
        Assert.True(container.MarkerVisibleInside("/mnt/s3"));
    }

    [RootFact]
    public void AbsoluteLinkStaysInRoot()
    {
        Directory.CreateDirectory(Path.Combine(container.RootPath, "etc"));
        File.CreateSymbolicLink(Path.Combine(container.RootPath, "link"), "/etc");

        var result = container.Attach("/link").ThrowIfFail();

        Assert.Equal("/etc", result.ResolvedTarget);
        Assert.True(container.MarkerVisibleInside("/etc"));
        Assert.False(File.Exists($"/proc/{container.Pid}/root/etc/{container.MarkerName}"));
        Assert.False(File.Exists(Path.Combine("/etc", container.MarkerName)));
        Assert.Equal([container.RootPath + "/etc"], container.ClonesInside());
    }

    [RootFact]
    public void ClimbingLinkStopsAtRoot()
    {
        var inner = Directory.CreateDirectory(Path.Combine(container.RootPath, "a/b")).FullName;
        Directory.CreateDirectory(container.RootPath + container.DecoyPath);
        var climb = string.Concat(Enumerable.Repeat("../", 12)) + container.DecoyPath[1..];
        File.CreateSymbolicLink(Path.Combine(inner, "up"), climb);

        var result = container.Attach("/a/b/up").ThrowIfFail();

        Assert.Equal(container.DecoyPath, result.ResolvedTarget);
        Assert.True(container.MarkerVisibleInside(container.DecoyPath));
        var decoyInside = $"/proc/{container.Pid}/root{container.DecoyPath}/{container.MarkerName}";
        Assert.False(File.Exists(decoyInside));
        Assert.Equal([container.RootPath + container.DecoyPath], container.ClonesInside());
    }

    [RootFact]
    public void LinkChainStaysInRoot()
    {
        Directory.CreateDirectory(Path.Combine(container.RootPath, "x/y"));
        File.CreateSymbolicLink(Path.Combine(container.RootPath, "l1"), "/l2");
        File.CreateSymbolicLink(Path.Combine(container.RootPath, "l2"), "l3");
        File.CreateSymbolicLink(Path.Combine(container.RootPath, "l3"), "../../x/y");

        var result = container.Attach("/l1").ThrowIfFail();

        Assert.Equal("/x/y", result.ResolvedTarget);
        Assert.True(container.MarkerVisibleInside("/x/y"));
        Assert.Equal([container.RootPath + "/x/y"], container.ClonesInside());
    }

    [RootFact]
    public void DanglingLinkIsUnresolvable()
    {
        File.CreateSymbolicLink(Path.Combine(container.RootPath, "dangling"), "/nowhere/at/all");

        var result = container.Attach("/dangling");

        Assert.Equal(HookErrorCode.TargetUnresolvable, CodeOf(result));
        Assert.Empty(container.ClonesInside());
    }

    [RootFact]
    public void FileTargetIsUnresolvable()
    {
        File.WriteAllText(Path.Combine(container.RootPath, "file"), "");

        var result = container.Attach("/file");

        Assert.Equal(HookErrorCode.TargetUnresolvable, CodeOf(result));
        Assert.Empty(container.ClonesInside());
    }

    [RootTheory]
    [InlineData("/")]
    [InlineData("/proc")]
    [InlineData("/proc/sys")]
    [InlineData("/sys/fs")]
    [InlineData("/dev")]
    public void ForbiddenTargetIsRejected(string target)
    {
        var result = container.Attach(target);

        Assert.Equal(HookErrorCode.TargetInvalid, CodeOf(result));
        Assert.Empty(container.ClonesInside());
    }

    [RootFact]
    public void LinkToProcIsRejected()
    {
        Directory.CreateDirectory(Path.Combine(container.RootPath, "proc"));
        File.CreateSymbolicLink(Path.Combine(container.RootPath, "p"), "/proc");

        var result = container.Attach("/p");

        Assert.Equal(HookErrorCode.TargetInvalid, CodeOf(result));
        Assert.Empty(container.ClonesInside());
    }

    [RootTheory]
    [InlineData("proc")]
    [InlineData("sysfs")]
    public void KernelFileSystemElsewhereIsRejected(string type)
    {
        var other = Path.Combine(container.RootPath, "other");
        Directory.CreateDirectory(other);
        container.InNamespace(() => TestLibc.Mount(type, other, type, 0, null)).ThrowIfFail();

        var result = container.Attach("/other");

        Assert.Equal(HookErrorCode.TargetInvalid, CodeOf(result));
        Assert.Empty(container.ClonesInside());
    }

    [RootFact]
    public void ReadOnlyRootIsReported()
    {
        var root = container.RootPath;
        var flags = TestLibc.MsRemount | TestLibc.MsBind | TestLibc.MsReadOnly;
        container.InNamespace(() => TestLibc.Mount(null, root, null, flags, null)).ThrowIfFail();

        var result = container.Attach("/missing");

        Assert.Equal(HookErrorCode.RootReadOnly, CodeOf(result));
        Assert.Empty(container.ClonesInside());
    }

    [RootFact]
    public void ReadOnlyAttachRejectsWrites()
    {
        container.Attach("/data", readOnly: true).ThrowIfFail();

        var newFile = Path.Combine(container.SeenInside("/data"), "new");
        var write = () => File.WriteAllText(newFile, "x");

        Assert.True(container.MarkerVisibleInside("/data"));
        Assert.ThrowsAny<IOException>(write);
        Assert.False(File.Exists(Path.Combine(container.StagingPath, "new")));
    }

    [RootFact]
    public void WritableAttachSharesFiles()
    {
        container.Attach("/data").ThrowIfFail();

        File.WriteAllText(Path.Combine(container.SeenInside("/data"), "new"), "x");

        Assert.True(File.Exists(Path.Combine(container.StagingPath, "new")));
    }

    [RootFact]
    public void RequireFuseRejectsTmpfs()
    {
        var result = MountAttacher.Attach(container.Request("/data"), StagingCheck.RequireFuse);

        Assert.Equal(HookErrorCode.MountNotFound, CodeOf(result));
        Assert.Empty(container.ClonesInside());
    }

    [RootFact]
    public void UnmountedStagingIsNotFound()
    {
        MountAttacher.DetachStaging(container.StagingPath).ThrowIfFail();

        var result = container.Attach("/data");

        Assert.Equal(HookErrorCode.MountNotFound, CodeOf(result));
        Assert.Empty(container.ClonesInside());
    }

    [RootFact]
    public void DetachStagingTwiceSucceeds()
    {
        Assert.True(MountAttacher.DetachStaging(container.StagingPath).IsSucc);
        Assert.True(MountAttacher.DetachStaging(container.StagingPath).IsSucc);
        var missing = Path.Combine(container.StagingPath, "gone");
        Assert.True(MountAttacher.DetachStaging(missing).IsSucc);
    }

    [RootFact]
    public void DeadProcessFails()
    {
        var request = container.Request("/data") with { ContainerPid = int.MaxValue };

        var result = MountAttacher.Attach(request, StagingCheck.AcceptAnyFileSystem);

        Assert.Equal(HookErrorCode.SyscallFailed, CodeOf(result));
        Assert.Empty(container.ClonesInside());
    }

    [RootFact]
    public void AttachClosesEveryDescriptor()
    {
        File.WriteAllText(Path.Combine(container.RootPath, "file"), "");
        container.Attach("/warm").ThrowIfFail();
        var before = Directory.GetFileSystemEntries("/proc/self/fd").Length;

        var attached = container.Attach("/data");
        var failed = container.Attach("/file");

        Assert.True(attached.IsSucc);
        Assert.True(failed.IsFail);
        Assert.Equal(before, Directory.GetFileSystemEntries("/proc/self/fd").Length);
    }

    private static HookErrorCode? CodeOf<T>(LanguageExt.Fin<T> result) =>
        result.Match(Succ: _ => (HookErrorCode?)null, Fail: HookError.CodeOf);
}
