using System.Runtime.InteropServices;
using LanguageExt.Common;
using S3MountHook.Errors;

namespace S3MountHook.Native;

/// <summary>Errno values the hook handles by name (Linux, the same on x86-64 and arm64).</summary>
internal static class Errno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int ESRCH = 3;
    public const int EINTR = 4;
    public const int EAGAIN = 11;
    public const int EACCES = 13;
    public const int EBUSY = 16;
    public const int EEXIST = 17;
    public const int EXDEV = 18;
    public const int ENOTDIR = 20;
    public const int EINVAL = 22;
    public const int EROFS = 30;
    public const int ENAMETOOLONG = 36;
    public const int ENOSYS = 38;
    public const int ELOOP = 40;
    public const int ENOTCONN = 107;

    /// <summary>Returns the symbolic name of an errno value, or "errno N" for one without a name here.</summary>
    public static string Name(int errno) =>
        errno switch
        {
            EPERM => "EPERM",
            ENOENT => "ENOENT",
            ESRCH => "ESRCH",
            EINTR => "EINTR",
            EAGAIN => "EAGAIN",
            EACCES => "EACCES",
            EBUSY => "EBUSY",
            EEXIST => "EEXIST",
            EXDEV => "EXDEV",
            ENOTDIR => "ENOTDIR",
            EINVAL => "EINVAL",
            EROFS => "EROFS",
            ENAMETOOLONG => "ENAMETOOLONG",
            ENOSYS => "ENOSYS",
            ELOOP => "ELOOP",
            ENOTCONN => "ENOTCONN",
            _ => $"errno {errno}",
        };
}

/// <summary>
/// A failed system call: a <see cref="HookErrorCode.SyscallFailed"/> error that names the call and the path,
/// and keeps the errno so that callers can handle expected cases by number.
/// </summary>
internal sealed record SyscallFailure(string Syscall, string? Path, int Errno)
    : Expected(Describe(Syscall, Path, Errno), (int)HookErrorCode.SyscallFailed, default)
{
    private static string Describe(string syscall, string? path, int errno)
    {
        var target = path is null ? "" : $" on {path}";
        return $"{syscall}{target} failed: {Marshal.GetPInvokeErrorMessage(errno)} ({Native.Errno.Name(errno)})";
    }
}

/// <summary>Builds <see cref="SyscallFailure"/> errors.</summary>
internal static class SyscallError
{
    /// <summary>Creates the error for a call that failed with the given errno.</summary>
    public static Error From(string syscall, string? path, int errno) =>
        new SyscallFailure(syscall, path, errno);

    /// <summary>Creates the error for a call that just failed, reading errno at once.</summary>
    public static Error Last(string syscall, string? path) =>
        From(syscall, path, Marshal.GetLastPInvokeError());

    /// <summary>Returns the errno of a failed system call, or null for any other error.</summary>
    public static int? ErrnoOf(Error error) =>
        error is SyscallFailure failure ? failure.Errno : null;
}
