using S3MountHook.Lifecycle;
using Xunit;

namespace S3MountHook.Tests.Core;

public sealed class ContainerLockTests
{
    [Fact]
    public void SecondHolderWaitsForFirst()
    {
        using var directory = new TemporaryDirectory();
        var container = Path.Combine(directory.Path, "containers", "c1");

        using var first = FinAssert.Success(
            ContainerLock.Acquire(container, TimeSpan.FromSeconds(1))
        );
        var second = ContainerLock.TryAcquire(container);

        Assert.True(second.IsNone);
    }

    [Fact]
    public void LockFreedOnDispose()
    {
        using var directory = new TemporaryDirectory();
        var container = Path.Combine(directory.Path, "containers", "c1");
        FinAssert.Success(ContainerLock.Acquire(container, TimeSpan.FromSeconds(1))).Dispose();

        var again = ContainerLock.TryAcquire(container);

        Assert.True(again.IsSome);
        again.IfSome(containerLock => containerLock.Dispose());
    }

    [Fact]
    public void OtherContainerNotBlocked()
    {
        using var directory = new TemporaryDirectory();
        using var first = FinAssert.Success(
            ContainerLock.Acquire(
                Path.Combine(directory.Path, "containers", "c1"),
                TimeSpan.FromSeconds(1)
            )
        );

        var other = ContainerLock.TryAcquire(Path.Combine(directory.Path, "containers", "c2"));

        Assert.True(other.IsSome);
        other.IfSome(containerLock => containerLock.Dispose());
    }

    [Fact]
    public void RemoveFileLeavesNothing()
    {
        using var directory = new TemporaryDirectory();
        using (
            var containerLock = FinAssert.Success(
                ContainerLock.Acquire(
                    Path.Combine(directory.Path, "containers", "c1"),
                    TimeSpan.FromSeconds(1)
                )
            )
        )
        {
            containerLock.RemoveFile();
        }

        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(directory.Path, "locks")));
    }

    [Fact]
    public void LockLivesApartFromContainers() =>
        Assert.Equal(
            "/run/s3mounthook/locks/c1.lock",
            ContainerLock.PathFor("/run/s3mounthook/containers/c1.lock")
        );

    [Fact]
    public void AcquireTimesOutWithMessage()
    {
        using var directory = new TemporaryDirectory();
        var container = Path.Combine(directory.Path, "containers", "c1");
        using var first = FinAssert.Success(
            ContainerLock.Acquire(container, TimeSpan.FromSeconds(1))
        );

        var error = FinAssert.Failure(
            ContainerLock.Acquire(container, TimeSpan.FromMilliseconds(100)),
            Errors.HookErrorCode.LockTimedOut
        );

        Assert.Contains("another s3mounthook holds", error.Message, StringComparison.Ordinal);
    }
}
