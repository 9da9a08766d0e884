using System.Runtime.InteropServices;
using LanguageExt;
using static LanguageExt.Prelude;

namespace S3MountHook.Native;

internal static partial class Libc
{
    /// <summary>CLONE_FS: the thread's root, working directory and umask.</summary>
    public const int CloneFs = 0x200;

    /// <summary>CLONE_NEWNS: the mount namespace.</summary>
    public const int CloneNewNs = 0x20000;

    /// <summary>
    /// Gives the calling thread its own copy of the resources named by <paramref name="flags"/>.
    /// </summary>
    public static Fin<Unit> Unshare(int flags) =>
        UnshareRaw(flags) == 0 ? unit : SyscallError.Last("unshare", null);

    /// <summary>
    /// Moves the calling thread into the namespace that <paramref name="namespaceFile"/> refers to.
    /// </summary>
    public static Fin<Unit> SetNamespace(FileDescriptor namespaceFile, int type, string path) =>
        SetNsRaw(namespaceFile, type) == 0 ? unit : SyscallError.Last("setns", path);

    [LibraryImport(LibraryName, EntryPoint = "unshare", SetLastError = true)]
    private static partial int UnshareRaw(int flags);

    [LibraryImport(LibraryName, EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNsRaw(SafeHandle namespaceFile, int type);
}
