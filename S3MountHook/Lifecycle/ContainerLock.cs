using System.Diagnostics;
using LanguageExt;
using S3MountHook.Errors;
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

    /// <summary>
    /// The lock file: <c>locks/ID</c> in the state directory. Locks live apart from the container
    /// directories, so no container id can name another container's lock file.
    /// </summary>
    public string Path { get; }

    /// <summary>Returns the lock file of the container whose directory is <c>STATE/containers/ID</c>.</summary>
    public static string PathFor(string containerDirectory)
    {
        var state = System.IO.Path.GetDirectoryName(
            System.IO.Path.GetDirectoryName(containerDirectory)
        ) ?? "/";
        return System.IO.Path.Join(state, "locks", System.IO.Path.GetFileName(containerDirectory));
    }

    /// <summary>Takes the lock, waiting at most <paramref name="timeout"/> for another holder.</summary>
    public static Fin<ContainerLock> Acquire(string containerDirectory, TimeSpan timeout)
    {
        var path = PathFor(containerDirectory);
        var clock = Stopwatch.StartNew();
        using var retry = new ManualResetEventSlim(false);
        while (true)
        {
            var attempt = TryAcquire(containerDirectory);
            if (attempt.IsSome || clock.Elapsed >= timeout)
            {
                return attempt.Match(Some: FinSucc, None: () =>
                    FinFail<ContainerLock>(
                        HookError.New(
                            HookErrorCode.LockTimedOut,
                            $"another s3mounthook holds {path} for more than {timeout.TotalSeconds:0} s; retry, or run \"s3mounthook gc\""
                        )
                    )
                );
            }

            // flock offers no wait with a deadline; try again shortly.
            retry.Wait(RetryInterval);
        }
    }

    /// <summary>Takes the lock if it is free at once.</summary>
    public static Option<ContainerLock> TryAcquire(string containerDirectory)
    {
        var path = PathFor(containerDirectory);
        if (Directories.EnsurePrivate(System.IO.Path.GetDirectoryName(path)!).IsFail)
        {
            return None;
        }

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
            if (StillNamesLockedFile(file, path))
            {
                return new ContainerLock(file, path);
            }

            file.Dispose();
            return None;
        }
        catch (IOException)
        {
            return None;
        }
    }

    /// <summary>
    /// Returns true when the path still names the file just locked. A holder removes the lock file
    /// before releasing it. A hook that opened the file just before that removal therefore has a
    /// lock on an inode no other hook can reach, so it must let go and try again.
    /// </summary>
    private static bool StillNamesLockedFile(FileStream file, string path) =>
        (
            from locked in Native.Libc.IdentifyHandle(file.SafeFileHandle, path)
            from named in Native.Libc.IdentifyPath(path)
            select locked.IsSameInode(named)
        ).IfFail(false);

    /// <summary>Removes the lock file while still holding it, so that no lock file outlives a run.</summary>
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
