using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LanguageExt;

namespace S3MountHook.Native;

/// <summary>
/// The device and inode that identify a file, and the id of the mount it was reached through.
/// </summary>
internal readonly record struct FileIdentity(
    uint DeviceMajor,
    uint DeviceMinor,
    ulong Inode,
    ulong MountId
)
{
    /// <summary>
    /// Returns true when both identities name the same inode, whatever mount reached it.
    /// </summary>
    public bool IsSameInode(FileIdentity other) =>
        DeviceMajor == other.DeviceMajor
        && DeviceMinor == other.DeviceMinor
        && Inode == other.Inode;
}

internal static partial class Libc
{
    /// <summary>PROC_SUPER_MAGIC from linux/magic.h.</summary>
    public const long ProcSuperMagic = 0x9fa0;

    /// <summary>SYSFS_MAGIC from linux/magic.h.</summary>
    public const long SysfsMagic = 0x62656572;

    /// <summary>
    /// STATX_INO: request stx_ino (and with it the device numbers, which are always filled).
    /// </summary>
    public const uint StatxIno = 0x100;

    /// <summary>STATX_MNT_ID: request stx_mnt_id (Linux 5.8 and later).</summary>
    public const uint StatxMountId = 0x1000;

    /// <summary>STATX_MODE and STATX_UID from linux/stat.h.</summary>
    public const uint StatxMode = 0x2,
        StatxUid = 0x8;

    /// <summary>offsetof(struct statx, stx_uid).</summary>
    internal const int StatxUidOffset = 20;

    /// <summary>offsetof(struct statx, stx_mode), a 16-bit field.</summary>
    internal const int StatxModeOffset = 28;

    /// <summary>offsetof(struct statx, stx_ino).</summary>
    internal const int StatxInodeOffset = 32;

    /// <summary>offsetof(struct statx, stx_dev_major); stx_dev_minor follows it.</summary>
    internal const int StatxDeviceMajorOffset = 136;

    /// <summary>offsetof(struct statx, stx_mnt_id).</summary>
    internal const int StatxMountIdOffset = 144;

    /// <summary>sizeof(struct statx).</summary>
    internal const int StatxSize = 256;

    /// <summary>
    /// struct statx from linux/stat.h: 256 bytes with the same layout on every architecture.
    /// Only the fields this program reads are declared.
    /// </summary>
    [StructLayout(LayoutKind.Explicit, Size = StatxSize)]
    private struct Statx
    {
        [FieldOffset(0)]
        public uint Mask;

        [FieldOffset(StatxUidOffset)]
        public uint Uid;

        [FieldOffset(StatxModeOffset)]
        public ushort Mode;

        [FieldOffset(StatxInodeOffset)]
        public ulong Inode;

        [FieldOffset(StatxDeviceMajorOffset)]
        public uint DeviceMajor;

        [FieldOffset(StatxDeviceMajorOffset + 4)]
        public uint DeviceMinor;

        [FieldOffset(StatxMountIdOffset)]
        public ulong MountId;
    }

    /// <summary>
    /// Room for struct statfs, which is 120 bytes on x86-64 and arm64. Its first field, f_type,
    /// is a long on both.
    /// </summary>
    [InlineArray(32)]
    private struct StatfsBuffer
    {
        private long element;
    }

    /// <summary>
    /// Reads the device, inode and mount id of an open descriptor with statx(2). This program uses
    /// statx, not fstat, because glibc before 2.33 exports no fstat symbol and because struct stat
    /// differs between x86-64 and arm64. On a FUSE file system this sends a request to the daemon,
    /// so it is only called on container directories, never on the staging mount.
    /// </summary>
    public static Fin<FileIdentity> Identify(FileDescriptor descriptor, string path)
    {
        var buffer = default(Statx);
        var flags = AtEmptyPath | AtSymlinkNoFollow;
        if (StatxRaw(descriptor, "", flags, StatxIno | StatxMountId, ref buffer) != 0)
        {
            return SyscallError.Last("statx", path);
        }

        // Kernels before 5.8 leave STATX_MNT_ID out of stx_mask; such an id reads as 0.
        var mountId = (buffer.Mask & StatxMountId) != 0 ? buffer.MountId : 0;
        return new FileIdentity(buffer.DeviceMajor, buffer.DeviceMinor, buffer.Inode, mountId);
    }

    /// <summary>Reads the owner's uid and the mode bits (type and permissions) of an open file.</summary>
    public static Fin<(uint Uid, uint Mode)> OwnerAndMode(SafeHandle file, string path)
    {
        var buffer = default(Statx);
        if (StatxRaw(file, "", AtEmptyPath, StatxUid | StatxMode, ref buffer) != 0)
        {
            return SyscallError.Last("statx", path);
        }

        return (buffer.Uid, (uint)buffer.Mode);
    }

    /// <summary>Reads the device and inode of an open file.</summary>
    public static Fin<FileIdentity> IdentifyHandle(SafeHandle file, string path)
    {
        var buffer = default(Statx);
        return StatxRaw(file, "", AtEmptyPath, StatxIno, ref buffer) == 0
            ? new FileIdentity(buffer.DeviceMajor, buffer.DeviceMinor, buffer.Inode, 0)
            : SyscallError.Last("statx", path);
    }

    /// <summary>Reads the device and inode of a path without following a final symbolic link.</summary>
    public static Fin<FileIdentity> IdentifyPath(string path)
    {
        var buffer = default(Statx);
        return StatxPathRaw(AtFdCwd, path, AtSymlinkNoFollow, StatxIno, ref buffer) == 0
            ? new FileIdentity(buffer.DeviceMajor, buffer.DeviceMinor, buffer.Inode, 0)
            : SyscallError.Last("statx", path);
    }

    [LibraryImport(
        LibraryName,
        EntryPoint = "statx",
        SetLastError = true,
        StringMarshalling = StringMarshalling.Utf8
    )]
    private static partial int StatxPathRaw(
        int directory,
        string path,
        int flags,
        uint mask,
        ref Statx buffer
    );

    /// <summary>Reads the owner's uid and the mode bits of a path, following no final symbolic link.</summary>
    public static Fin<(uint Uid, uint Mode)> OwnerAndModeOfPath(string path)
    {
        var buffer = default(Statx);
        if (StatxPathRaw(AtFdCwd, path, AtSymlinkNoFollow, StatxUid | StatxMode, ref buffer) != 0)
        {
            return SyscallError.Last("statx", path);
        }

        return (buffer.Uid, (uint)buffer.Mode);
    }

    /// <summary>geteuid(2): the effective user id of this process.</summary>
    public static uint EffectiveUserId() => GetEuidRaw();

    [LibraryImport(LibraryName, EntryPoint = "geteuid")]
    private static partial uint GetEuidRaw();

    /// <summary>
    /// Returns f_type, the file system magic number, of an open descriptor (fstatfs(2)).
    /// </summary>
    public static Fin<long> FileSystemType(FileDescriptor descriptor, string path)
    {
        var buffer = default(StatfsBuffer);
        return FstatfsRaw(descriptor, ref buffer) == 0
            ? buffer[0]
            : SyscallError.Last("fstatfs", path);
    }

    [LibraryImport(
        LibraryName,
        EntryPoint = "statx",
        SetLastError = true,
        StringMarshalling = StringMarshalling.Utf8
    )]
    private static partial int StatxRaw(
        SafeHandle directory,
        string path,
        int flags,
        uint mask,
        ref Statx buffer
    );

    [LibraryImport(LibraryName, EntryPoint = "fstatfs", SetLastError = true)]
    private static partial int FstatfsRaw(SafeHandle descriptor, ref StatfsBuffer buffer);
}
