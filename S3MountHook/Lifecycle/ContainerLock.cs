using System.Diagnostics;
using LanguageExt;
using S3MountHook.Errors;
using S3MountHook.Native;
using static LanguageExt.Prelude;

namespace S3MountHook.Lifecycle;

/// <summary>
/// An exclusive lock per container id, so that two hooks for one container (a runtime that runs
/// prestart twice, poststop racing a sweep) never work on it at once, while hooks for different
/// containers never wait for each other. .NET takes an advisory flock(2) for
/// <see cref="FileShare.None"/> on Unix, and the kernel drops it when the process dies, so a
/// killed hook never leaves a container locked.
/// </summary>
internal sealed class ContainerLock : IDisposable
{
    private static readonly TimeSpan RetryInterval = TimeSpan.FromMilliseconds(25);

    private readonly FileStream file;

    private ContainerLock(FileStream file, string path)
    {
        this.file = file;
        Path = path;
    }

    /// <summary>The lock file: <c>containers/ID.lock</c> beside the container's directory.</summary>
    public string Path { get; }

    /// <summary>Takes the lock, waiting at most <paramref name="timeout"/> for another holder.</summary>
    public static Fin<ContainerLock> Acquire(string containerDirectory, TimeSpan timeout)
    {
        var path = containerDirectory + ".lock";
        var clock = Stopwatch.StartNew();
        using var retry = new ManualResetEventSlim(false);
        while (true)
        {
            var taken = TryAcquire(path);
            if (taken.IsSome || clock.Elapsed >= timeout)
            {
                return taken.Match(
                    Some: FinSucc,
                    None: () => FinFail<ContainerLock>(HookError.New(
                        HookErrorCode.Interrupted,
                        $"another s3mounthook holds {path} for more than {timeout.TotalSeconds:0} s; retry, or run \"s3mounthook gc\"")));
            }

            // flock offers no wait with a deadline; try again shortly.
            retry.Wait(RetryInterval);
        }
    }

    /// <summary>Takes the lock if it is free at once.</summary>
    public static Option<ContainerLock> TryAcquire(string containerDirectoryOrLockPath)
    {
        var path = containerDirectoryOrLockPath.EndsWith(".lock", StringComparison.Ordinal)
            ? containerDirectoryOrLockPath
            : containerDirectoryOrLockPath + ".lock";
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.OpenOrCreate,
                Access = FileAccess.ReadWrite,
                Share = FileShare.None,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            };
            var file = new FileStream(path, options);
            if (!IsStillAt(file, path))
            {
                // The holder before us removed the file after we opened it: this lock guards
                // nothing, and the next attempt creates or opens the file now at the path.
                file.Dispose();
                return None;
            }

            return new ContainerLock(file, path);
        }
        catch (IOException)
        {
            return None;
        }
    }

    // Compares the locked file with the one at the path now, by device and inode.
    private static bool IsStillAt(FileStream file, string path)
    {
        var flags = Libc.OPath | Libc.OCloexec;
        var number = file.SafeFileHandle.DangerousGetHandle().ToInt32();
        var held = Libc.Open($"/proc/self/fd/{number}", flags).Use(descriptor => Libc.Identify(descriptor, path));
        var current = Libc.Open(path, flags | Libc.ONoFollow).Use(descriptor => Libc.Identify(descriptor, path));
        return held.Bind(heldIdentity => current.Map(heldIdentity.IsSameInode)).IfFail(false);
    }

    /// <summary>
    /// Removes the lock file while still holding it; for poststop, after everything else is gone.
    /// A hook that opened the file before the removal and locks it afterwards sees that the path
    /// no longer names its file, and tries again.
    /// </summary>
    public void RemoveFile()
    {
        try
        {
            File.Delete(Path);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // A lock file left behind is harmless: the next hook or sweep reuses or removes it.
        }
    }

    /// <inheritdoc/>
    public void Dispose() => file.Dispose();
}
