using System.Runtime.InteropServices;
using LanguageExt;
using static LanguageExt.Prelude;

namespace S3MountHook.Native;

internal static partial class Libc
{
    /// <summary>
    /// OPEN_TREE_CLONE: return a detached copy of the mount instead of the mount itself.
    /// </summary>
    public const uint OpenTreeClone = 1;

    /// <summary>OPEN_TREE_CLOEXEC: the same value as O_CLOEXEC.</summary>
    public const uint OpenTreeCloexec = OCloexec;

    /// <summary>MOVE_MOUNT_F_EMPTY_PATH: the source is the "from" descriptor itself.</summary>
    public const uint MoveMountFromEmptyPath = 0x4;

    /// <summary>MOVE_MOUNT_T_EMPTY_PATH: the destination is the "to" descriptor itself.</summary>
    public const uint MoveMountToEmptyPath = 0x40;

    /// <summary>
    /// MNT_DETACH: lazy unmount; the mount disappears now and is freed when unused.
    /// </summary>
    public const int MntDetach = 2;

    /// <summary>MOUNT_ATTR_RDONLY for mount_setattr(2).</summary>
    public const ulong MountAttrReadOnly = 0x1;

    /// <summary>
    /// MS_PRIVATE: the propagation type that neither sends nor receives mount events.
    /// </summary>
    public const ulong MsPrivate = 1 << 18;

    /// <summary>SYS_open_tree (x86-64 and arm64).</summary>
    public const long SysOpenTree = 428;

    /// <summary>SYS_move_mount (x86-64 and arm64).</summary>
    public const long SysMoveMount = 429;

    /// <summary>SYS_mount_setattr (x86-64 and arm64).</summary>
    public const long SysMountSetattr = 442;

    /// <summary>Size of the kernel's first version of struct mount_attr.</summary>
    private const int MountAttrSize = 32;

    /// <summary>struct mount_attr from linux/mount.h.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct MountAttr
    {
        public ulong AttrSet;
        public ulong AttrClear;
        public ulong Propagation;
        public ulong UserNamespaceFile;
    }

    /// <summary>
    /// Clones the mount that <paramref name="source"/> refers to with
    /// open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | extra). The clone
    /// is detached: the kernel unmounts it when the last descriptor to it closes, unless
    /// move_mount attached it first.
    /// </summary>
    public static Fin<FileDescriptor> CloneMount(
        FileDescriptor source,
        string path,
        uint extraFlags
    )
    {
        var flags = OpenTreeClone | OpenTreeCloexec | AtEmptyPath | extraFlags;
        var result = SyscallOpenTree(SysOpenTree, source, "", flags);
        return Owned((int)result, "open_tree", path);
    }

    /// <summary>
    /// Sets the propagation type and, when <paramref name="readOnly"/>, MOUNT_ATTR_RDONLY on the
    /// mount that <paramref name="mount"/> refers to. Detached mounts accept this as well.
    /// </summary>
    public static Fin<Unit> SetMountAttributes(
        FileDescriptor mount,
        string path,
        ulong propagation,
        bool readOnly
    )
    {
        var attributes = new MountAttr
        {
            AttrSet = readOnly ? MountAttrReadOnly : 0,
            Propagation = propagation,
        };
        var result = SyscallMountSetattr(
            SysMountSetattr,
            mount,
            "",
            AtEmptyPath,
            ref attributes,
            MountAttrSize
        );
        return result == 0 ? unit : SyscallError.Last("mount_setattr", path);
    }

    /// <summary>
    /// Attaches the mount that <paramref name="mount"/> refers to on the directory that
    /// <paramref name="target"/> refers to, with move_mount(2). Going through the descriptor
    /// means the path is not looked up again, so a symbolic link swapped in after resolution
    /// cannot redirect the mount.
    /// </summary>
    public static Fin<Unit> MoveMount(
        FileDescriptor mount,
        FileDescriptor target,
        string targetPath
    )
    {
        var flags = MoveMountFromEmptyPath | MoveMountToEmptyPath;
        var result = SyscallMoveMount(SysMoveMount, mount, "", target, "", flags);
        return result == 0 ? unit : SyscallError.Last("move_mount", targetPath);
    }

    /// <summary>
    /// Detaches the mount at <paramref name="path"/> with umount2(path, MNT_DETACH). A path that no
    /// longer exists or is not a mount point counts as already unmounted.
    /// </summary>
    public static Fin<Unit> UnmountDetached(string path)
    {
        if (Umount2Raw(path, MntDetach) == 0)
        {
            return unit;
        }

        return Marshal.GetLastPInvokeError() switch
        {
            // umount2(2): EINVAL means "target is not a mount point" (the flags here are valid and
            // no user namespace locks this mount), and ENOENT means the path is gone. Either way
            // nothing is mounted there any more, which is what the caller wants.
            Errno.EINVAL or Errno.ENOENT => unit,
            var errno => SyscallError.From("umount2", path, errno),
        };
    }

    [LibraryImport(
        LibraryName,
        EntryPoint = "syscall",
        SetLastError = true,
        StringMarshalling = StringMarshalling.Utf8
    )]
    private static partial long SyscallOpenTree(
        long number,
        SafeHandle source,
        string path,
        uint flags
    );

    [LibraryImport(
        LibraryName,
        EntryPoint = "syscall",
        SetLastError = true,
        StringMarshalling = StringMarshalling.Utf8
    )]
    private static partial long SyscallMountSetattr(
        long number,
        SafeHandle mount,
        string path,
        int flags,
        ref MountAttr attributes,
        nuint size
    );

    [LibraryImport(
        LibraryName,
        EntryPoint = "syscall",
        SetLastError = true,
        StringMarshalling = StringMarshalling.Utf8
    )]
    private static partial long SyscallMoveMount(
        long number,
        SafeHandle source,
        string sourcePath,
        SafeHandle target,
        string targetPath,
        uint flags
    );

    [LibraryImport(
        LibraryName,
        EntryPoint = "umount2",
        SetLastError = true,
        StringMarshalling = StringMarshalling.Utf8
    )]
    private static partial int Umount2Raw(string path, int flags);
}
