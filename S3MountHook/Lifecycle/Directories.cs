using LanguageExt;
using LanguageExt.Common;
using S3MountHook.Errors;
using S3MountHook.Native;
using S3MountHook.Plan;
using static LanguageExt.Prelude;

namespace S3MountHook.Lifecycle;

/// <summary>Creation of the hook's own directories and files, each registered for rollback.</summary>
internal static class Directories
{
    private const UnixFileMode OwnerOnly =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>
    /// Creates a root-only (0700) directory with its parents, or checks an existing one: it must be
    /// a real directory, not a symbolic link, and writable by its owner only.
    /// </summary>
    public static Fin<Unit> EnsurePrivate(string path)
    {
        try
        {
            var directory = new DirectoryInfo(path);
            if (!directory.Exists && directory.LinkTarget is null)
            {
                Directory.CreateDirectory(path, OwnerOnly);
                var direct = WithoutLinks(path);
                direct.IfFail(_ => Directory.Delete(path));
                return direct;
            }

            var writableByOthers = UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;
            return
                directory.LinkTarget is not null
                || !directory.Exists
                || (directory.UnixFileMode & writableByOthers) != 0
                ? Fail(
                    $"{path} must be a directory writable only by root, not a symbolic link; fix its mode or choose another path in the hook config"
                )
                : WithoutLinks(path);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return Fail($"cannot create {path}: {ExceptionText.Describe(error)}");
        }
    }

    /// <summary>
    /// Fails when a directory's path goes through a symbolic link. The mount table lists mounts by
    /// their resolved path, so a staging path through a link would never be found there: the hook
    /// would wait for a mount it cannot see, and cleanup would leave it behind.
    /// </summary>
    private static Fin<Unit> WithoutLinks(string path)
    {
        var resolved = Libc.Open(path, Libc.OPath | Libc.ODirectory | Libc.OCloexec)
            .Use(descriptor =>
                FinSucc(
                    File.ResolveLinkTarget(
                        $"/proc/self/fd/{descriptor.DangerousGetHandle()}",
                        false
                    )?.FullName
                        ?? path
                )
            )
            .IfFail(_ => path);
        var expected = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        return resolved == expected
            ? unit
            : Fail(
                $"{path} resolves to {resolved} through a symbolic link; set the real path {resolved} in the hook config"
            );
    }

    /// <summary>Creates a new 0700 directory that must not exist yet, and registers its removal.</summary>
    public static Fin<Unit> CreateFresh(string path, Rollback rollback, bool recursiveUndo)
    {
        try
        {
            if (Path.Exists(path))
            {
                return Fail(
                    $"{path} already exists; run \"s3mounthook poststop\" for this container or remove it"
                );
            }

            Directory.CreateDirectory(path, OwnerOnly);
            rollback.Register($"directory {path}", () =>
                Cleanup.RemoveDirectory(path, recursiveUndo)
            );
            return unit;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return Fail($"cannot create {path}: {ExceptionText.Describe(error)}");
        }
    }

    /// <summary>Writes a 0600 file that must not exist yet, without following a symbolic link.</summary>
    public static Fin<Unit> WriteSecretFile(CredentialFile file, Rollback rollback)
    {
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            };
            using (var stream = new FileStream(file.Path, options))
            {
                stream.Write(System.Text.Encoding.UTF8.GetBytes(file.Contents.Reveal()));
            }

            rollback.Register($"file {file.Path}", () => Delete(file.Path));
            return unit;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return Fail(
                $"cannot write credential file {file.Path}: {ExceptionText.Describe(error)}"
            );
        }
    }

    private static Fin<Unit> Delete(string path)
    {
        try
        {
            File.Delete(path);
            return unit;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return FinFail<Unit>(
                Error.New($"cannot remove {path}: {ExceptionText.Describe(error)}")
            );
        }
    }

    private static Fin<Unit> Fail(string message) =>
        FinFail<Unit>(HookError.New(HookErrorCode.SyscallFailed, message));
}
