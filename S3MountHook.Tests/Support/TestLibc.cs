using System.Runtime.InteropServices;
using LanguageExt;
using S3MountHook.Native;
using static LanguageExt.Prelude;

namespace S3MountHook.Tests.Support;

/// <summary>
/// System calls that only tests need: mount(2), renameat2(2), chdir(2), pivot_root(2) and
/// umask(2).
/// </summary>
internal static partial class TestLibc
{
    public const ulong MsReadOnly = 1;
    public const ulong MsRemount = 32;
    public const ulong MsBind = 4096;
    public const ulong MsRecursive = 16384;
    public const uint RenameExchange = 2;

    public static Fin<Unit> Mount(
        string? source,
        string target,
        string? type,
        ulong flags,
        string? data
    ) =>
        MountRaw(source, target, type, flags, data) == 0
            ? unit
            : SyscallError.Last("mount", target);

    /// <summary>Swaps two paths atomically (RENAME_EXCHANGE); both must exist.</summary>
    public static Fin<Unit> Exchange(string first, string second) =>
        RenameAt2(Libc.AtFdCwd, first, Libc.AtFdCwd, second, RenameExchange) == 0
            ? unit
            : SyscallError.Last("renameat2", first);

    public static Fin<Unit> ChangeDirectory(string path) =>
        ChdirRaw(path) == 0 ? unit : SyscallError.Last("chdir", path);

    /// <summary>pivot_root(".", "."), as runc calls it; glibc has no wrapper.</summary>
    public static Fin<Unit> PivotRootHere() =>
        PivotRootRaw(PivotRootNumber(), ".", ".") == 0
            ? unit
            : SyscallError.Last("pivot_root", ".");

    public static long PivotRootNumber() =>
        RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => 155,
            Architecture.Arm64 => 41,
            var other => throw new PlatformNotSupportedException(
                $"no pivot_root number for {other}"
            ),
        };

    [LibraryImport("libc", EntryPoint = "umask")]
    public static partial uint Umask(uint mask);

    [LibraryImport(
        "libc",
        EntryPoint = "mount",
        SetLastError = true,
        StringMarshalling = StringMarshalling.Utf8
    )]
    private static partial int MountRaw(
        string? source,
        string target,
        string? type,
        ulong flags,
        string? data
    );

    [LibraryImport(
        "libc",
        EntryPoint = "renameat2",
        SetLastError = true,
        StringMarshalling = StringMarshalling.Utf8
    )]
    private static partial int RenameAt2(
        int oldDirectory,
        string oldPath,
        int newDirectory,
        string newPath,
        uint flags
    );

    [LibraryImport(
        "libc",
        EntryPoint = "chdir",
        SetLastError = true,
        StringMarshalling = StringMarshalling.Utf8
    )]
    private static partial int ChdirRaw(string path);

    [LibraryImport(
        "libc",
        EntryPoint = "syscall",
        SetLastError = true,
        StringMarshalling = StringMarshalling.Utf8
    )]
    private static partial long PivotRootRaw(long number, string newRoot, string putOld);
}
