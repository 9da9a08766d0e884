using System.Runtime.InteropServices;
using LanguageExt;
using static LanguageExt.Prelude;

namespace S3MountHook.Native;

/// <summary>
/// Linux system calls, split over files by concern. Raw imports are private. The wrappers read
/// errno at once and return a <see cref="SyscallFailure"/> that names the call and the path.
/// </summary>
internal static partial class Libc
{
    private const string LibraryName = "libc";

    // Flag values come from asm-generic/fcntl.h, linux/openat2.h and linux/fcntl.h. arm64 moves
    // O_DIRECTORY and O_NOFOLLOW (arch/arm64/include/uapi/asm/fcntl.h); the others are the same
    // on x86-64 and arm64. A test compares each one with the C headers of the build machine.

    /// <summary>
    /// O_PATH: a descriptor that names a location without opening the file.
    /// </summary>
    public const int OPath = 0x200000;

    /// <summary>O_DIRECTORY: fail with ENOTDIR unless the path resolves to a directory.</summary>
    public static readonly int ODirectory = IsArm64 ? 0x4000 : 0x10000;

    /// <summary>O_NOFOLLOW: fail with ELOOP when the last component is a symbolic link.</summary>
    public static readonly int ONoFollow = IsArm64 ? 0x8000 : 0x20000;

    private static bool IsArm64 => RuntimeInformation.ProcessArchitecture == Architecture.Arm64;

    /// <summary>
    /// O_CLOEXEC: close the descriptor on execve, so the mounter never inherits it.
    /// </summary>
    public const int OCloexec = 0x80000;

    /// <summary>O_RDONLY.</summary>
    public const int OReadOnly = 0;

    /// <summary>AT_FDCWD: resolve a relative path from the working directory.</summary>
    public const int AtFdCwd = -100;

    /// <summary>AT_EMPTY_PATH: operate on the descriptor itself when the path is "".</summary>
    public const int AtEmptyPath = 0x1000;

    /// <summary>AT_SYMLINK_NOFOLLOW.</summary>
    public const int AtSymlinkNoFollow = 0x100;

    /// <summary>AT_RECURSIVE: apply to the whole mount tree (open_tree, mount_setattr).</summary>
    public const int AtRecursive = 0x8000;

    /// <summary>RESOLVE_NO_XDEV: reject crossing a mount point during resolution.</summary>
    public const ulong ResolveNoXdev = 0x01;

    /// <summary>RESOLVE_NO_MAGICLINKS: reject /proc magic links such as /proc/self/root.</summary>
    public const ulong ResolveNoMagicLinks = 0x02;

    /// <summary>
    /// RESOLVE_IN_ROOT: treat the directory descriptor as "/" for the whole resolution.
    /// </summary>
    public const ulong ResolveInRoot = 0x10;

    /// <summary>
    /// SYS_openat2: the same number on x86-64 and arm64 (the unified table from 5.x).
    /// </summary>
    public const long SysOpenat2 = 437;

    /// <summary>Size of the kernel's first version of struct open_how.</summary>
    private const int OpenHowSize = 24;

    /// <summary>Size of a PATH_MAX buffer, including the terminating byte.</summary>
    private const int PathMax = 4096;

    /// <summary>struct open_how from linux/openat2.h.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct OpenHow
    {
        public ulong Flags;
        public ulong Mode;
        public ulong Resolve;
    }

    /// <summary>
    /// Opens a path relative to the working directory and owns the new descriptor.
    /// </summary>
    public static Fin<FileDescriptor> Open(string path, int flags) =>
        Owned(OpenAtCwd(AtFdCwd, path, flags, 0), "open", path);

    /// <summary>Opens <paramref name="path"/> relative to <paramref name="directory"/>.</summary>
    public static Fin<FileDescriptor> OpenAt(FileDescriptor directory, string path, int flags) =>
        Owned(OpenAtRaw(directory, path, flags, 0), "openat", path);

    /// <summary>
    /// Opens <paramref name="path"/> with openat2(2), which applies <paramref name="resolve"/>
    /// (RESOLVE_* flags) to every component, including those that symbolic links add.
    /// </summary>
    public static Fin<FileDescriptor> OpenAt2(
        FileDescriptor directory,
        string path,
        int flags,
        ulong resolve
    )
    {
        var openHow = new OpenHow { Flags = (ulong)flags, Resolve = resolve };
        var result = SyscallOpenAt2(SysOpenat2, directory, path, ref openHow, OpenHowSize);
        return Owned((int)result, "openat2", path);
    }

    /// <summary>
    /// Creates a directory with the given permission bits (the umask still applies).
    /// </summary>
    public static Fin<Unit> MakeDirectoryAt(FileDescriptor directory, string name, uint mode) =>
        MkdirAtRaw(directory, name, mode) == 0 ? unit : SyscallError.Last("mkdirat", name);

    /// <summary>
    /// Reads the target of a symbolic link below <paramref name="directory"/>. Reading
    /// /proc/self/fd/N this way yields the path of descriptor N as seen from the calling thread's
    /// root directory (proc(5)).
    /// </summary>
    public static Fin<string> ReadLinkAt(FileDescriptor directory, string name)
    {
        var buffer = new byte[PathMax];
        var length = ReadLinkAtRaw(directory, name, buffer, buffer.Length);
        if (length < 0)
        {
            return SyscallError.Last("readlinkat", name);
        }

        // readlinkat(2) truncates silently, so a full buffer may hold a cut path.
        // Fin.Succ is explicit because LanguageExt converts a string to an Error implicitly: in a
        // conditional with an Error branch, a bare string would become the error message.
        return length < buffer.Length
            ? Fin<string>.Succ(System.Text.Encoding.UTF8.GetString(buffer, 0, (int)length))
            : SyscallError.From("readlinkat", name, Errno.ENAMETOOLONG);
    }

    /// <summary>
    /// Sets the file mode creation mask and returns the previous one (umask(2) cannot fail).
    /// The mask belongs to the filesystem context, so after unshare(CLONE_FS) it is per thread.
    /// </summary>
    public static uint SetFileCreationMask(uint mask) => UmaskRaw(mask);

    /// <summary>Closes a descriptor number; only <see cref="FileDescriptor"/> calls this.</summary>
    internal static bool Close(int number) => CloseRaw(number) == 0;

    private static Fin<FileDescriptor> Owned(int result, string syscall, string path) =>
        result >= 0 ? FileDescriptor.Own(result) : SyscallError.Last(syscall, path);

    [LibraryImport(
        LibraryName,
        EntryPoint = "openat",
        SetLastError = true,
        StringMarshalling = StringMarshalling.Utf8
    )]
    private static partial int OpenAtCwd(int directory, string path, int flags, uint mode);

    [LibraryImport(
        LibraryName,
        EntryPoint = "openat",
        SetLastError = true,
        StringMarshalling = StringMarshalling.Utf8
    )]
    private static partial int OpenAtRaw(SafeHandle directory, string path, int flags, uint mode);

    // glibc's syscall(2) is variadic. On x86-64 and arm64 Linux the integer and pointer arguments
    // of a variadic call travel in the same registers as fixed ones, so a fixed signature works.
    [LibraryImport(
        LibraryName,
        EntryPoint = "syscall",
        SetLastError = true,
        StringMarshalling = StringMarshalling.Utf8
    )]
    private static partial long SyscallOpenAt2(
        long number,
        SafeHandle directory,
        string path,
        ref OpenHow how,
        nuint size
    );

    [LibraryImport(
        LibraryName,
        EntryPoint = "mkdirat",
        SetLastError = true,
        StringMarshalling = StringMarshalling.Utf8
    )]
    private static partial int MkdirAtRaw(SafeHandle directory, string name, uint mode);

    [LibraryImport(
        LibraryName,
        EntryPoint = "readlinkat",
        SetLastError = true,
        StringMarshalling = StringMarshalling.Utf8
    )]
    private static partial nint ReadLinkAtRaw(
        SafeHandle directory,
        string name,
        [Out] byte[] buffer,
        nint size
    );

    [LibraryImport(LibraryName, EntryPoint = "umask")]
    private static partial uint UmaskRaw(uint mask);

    [LibraryImport(LibraryName, EntryPoint = "close", SetLastError = true)]
    private static partial int CloseRaw(int number);
}
