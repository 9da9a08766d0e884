using System.Runtime.InteropServices;
using LanguageExt;
using LanguageExt.Common;
using static LanguageExt.Prelude;

namespace S3MountHook.Native;

/// <summary>Process and descriptor calls used to start and stop the mounter (glibc, Linux).</summary>
internal static partial class Libc
{
    /// <summary>open(2) flags, from asm-generic/fcntl.h (the same on x86-64 and arm64).</summary>
    internal const int ORdOnly = 0,
        OWrOnly = 1,
        OCreat = 0x40,
        OExcl = 0x80,
        OAppend = 0x400;

    /// <summary>close_range(2) flag that marks descriptors close-on-exec instead of closing them (Linux 5.11).</summary>
    internal const uint CloseRangeCloexec = 1u << 2;

    /// <summary>Signal numbers (Linux).</summary>
    internal const int SigKill = 9,
        SigTerm = 15;

    [LibraryImport(
        LibraryName,
        EntryPoint = "open",
        SetLastError = true,
        StringMarshalling = StringMarshalling.Utf8
    )]
    private static partial int OpenRaw(string path, int flags, int mode);

    [LibraryImport(LibraryName, EntryPoint = "dup2", SetLastError = true)]
    private static partial int Dup2Raw(int oldFd, int newFd);

    [LibraryImport(LibraryName, EntryPoint = "setsid", SetLastError = true)]
    private static partial int SetsidRaw();

    [LibraryImport(
        LibraryName,
        EntryPoint = "chdir",
        SetLastError = true,
        StringMarshalling = StringMarshalling.Utf8
    )]
    private static partial int ChdirRaw(string path);

    [LibraryImport(LibraryName, EntryPoint = "close_range", SetLastError = true)]
    private static partial int CloseRangeRaw(uint first, uint last, uint flags);

    [LibraryImport(
        LibraryName,
        EntryPoint = "execve",
        SetLastError = true,
        StringMarshalling = StringMarshalling.Utf8
    )]
    private static partial int ExecveRaw(string path, string?[] argv, string?[] envp);

    [LibraryImport(LibraryName, EntryPoint = "kill", SetLastError = true)]
    private static partial int KillRaw(int pid, int signal);

    /// <summary>Opens a path and returns the raw descriptor, for the launcher's stdio only.</summary>
    public static Fin<int> OpenForStdio(string path, int flags, int mode)
    {
        // O_NOFOLLOW: a log path that is a symbolic link is refused.
        var fd = OpenRaw(path, flags | ONoFollow, mode);
        return fd >= 0 ? fd : FinFail<int>(SyscallError.Last("open", path));
    }

    /// <summary>dup2(2).</summary>
    public static Fin<Unit> Dup2(int oldFd, int newFd) =>
        Dup2Raw(oldFd, newFd) >= 0 ? unit : FinFail<Unit>(SyscallError.Last("dup2", null));

    /// <summary>setsid(2): a new session, so signals sent to the runtime's process group miss the mounter.</summary>
    public static Fin<Unit> Setsid() =>
        SetsidRaw() >= 0 ? unit : FinFail<Unit>(SyscallError.Last("setsid", null));

    /// <summary>chdir(2).</summary>
    public static Fin<Unit> Chdir(string path) =>
        ChdirRaw(path) == 0 ? unit : FinFail<Unit>(SyscallError.Last("chdir", path));

    /// <summary>Marks every descriptor from <paramref name="first"/> up close-on-exec.</summary>
    public static Fin<Unit> CloseOnExecFrom(uint first) =>
        CloseRangeRaw(first, uint.MaxValue, CloseRangeCloexec) == 0
            ? unit
            : FinFail<Unit>(SyscallError.Last("close_range", null));

    /// <summary>execve(2). Returns only on failure.</summary>
    public static Error Execve(
        string path,
        IReadOnlyList<string> arguments,
        IReadOnlyList<string> environment
    )
    {
        string?[] argv = [.. arguments, null];
        string?[] envp = [.. environment, null];
        ExecveRaw(path, argv, envp);
        return SyscallError.Last("execve", path);
    }

    /// <summary>kill(2). ESRCH, a process that is already gone, counts as success.</summary>
    public static Fin<Unit> Kill(int pid, int signal)
    {
        if (KillRaw(pid, signal) == 0)
        {
            return unit;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == Errno.ESRCH
            ? unit
            : FinFail<Unit>(SyscallError.From("kill", $"pid {pid}", errno));
    }
}
