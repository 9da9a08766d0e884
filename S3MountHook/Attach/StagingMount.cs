using LanguageExt;
using LanguageExt.Common;
using S3MountHook.Errors;
using S3MountHook.Native;

namespace S3MountHook.Attach;

/// <summary>Verifies the mounter's mount at the staging path and clones it for attaching.</summary>
internal static class StagingMount
{
    private static readonly int PathFlags =
        Libc.OPath | Libc.ODirectory | Libc.OCloexec | Libc.ONoFollow;

    /// <summary>
    /// Returns a detached, private clone of the mount visible at <paramref name="stagingPath"/>,
    /// read-only when <paramref name="readOnly"/>. The clone disappears when its descriptor
    /// closes, so a failure after this step leaves no mount behind.
    /// </summary>
    public static Fin<FileDescriptor> Clone(
        string stagingPath,
        StagingCheck check,
        bool readOnly
    ) =>
        MountTable
            .ReadSelf()
            .Bind(table => FindStaging(table, stagingPath, check))
            .Bind(entry =>
                Libc.Open(stagingPath, PathFlags)
                    .Use(staging => CloneVerified(staging, entry, stagingPath, readOnly))
            );

    private static Fin<MountInfo> FindStaging(
        IReadOnlyList<MountInfo> table,
        string stagingPath,
        StagingCheck check
    ) =>
        MountTable
            .FindVisibleAt(table, stagingPath)
            .Match(
                Some: entry => CheckType(entry, stagingPath, check),
                None: () =>
                    NotFound(
                        $"No mount is visible at the staging path {stagingPath}. "
                            + "The mounter exited or mounted elsewhere; check its output."
                    )
            );

    private static Fin<MountInfo> CheckType(MountInfo entry, string stagingPath, StagingCheck check)
    {
        if (
            check == StagingCheck.AcceptAnyFileSystem
            || entry.FileSystemType.StartsWith("fuse", StringComparison.Ordinal)
        )
        {
            return entry;
        }

        return NotFound(
            $"The mount at the staging path {stagingPath} has file system type "
                + $"{entry.FileSystemType}, not FUSE, so the mounter's mount is not there."
        );
    }

    private static Fin<FileDescriptor> CloneVerified(
        FileDescriptor staging,
        MountInfo entry,
        string stagingPath,
        bool readOnly
    ) =>
        MountTable
            .MountIdOf(staging)
            .Bind(id => id == entry.MountId ? Prelude.unit : Replaced(stagingPath, id, entry))
            // Without AT_RECURSIVE only the mounter's mount is cloned, not mounts below it.
            .Bind(_ => Libc.CloneMount(staging, stagingPath, extraFlags: 0))
            .Bind(clone => clone.TransferOrClose(c => MakePrivate(c, stagingPath, readOnly)));

    // A clone of a shared mount joins its peer group (clone_mnt in fs/namespace.c), so mount events
    // would travel between the host and the container. MS_PRIVATE cuts that link.
    private static Fin<FileDescriptor> MakePrivate(
        FileDescriptor clone,
        string stagingPath,
        bool readOnly
    ) => Libc.SetMountAttributes(clone, stagingPath, Libc.MsPrivate, readOnly).Map(_ => clone);

    private static Fin<Unit> Replaced(string stagingPath, int openedId, MountInfo entry) =>
        NotFound(
            $"The mount at the staging path {stagingPath} changed while it was opened "
                + $"(mount ID {openedId}, expected {entry.MountId}). Retry once the mounter has "
                + "settled."
        );

    private static Error NotFound(string message) =>
        HookError.New(HookErrorCode.MountNotFound, message);
}
