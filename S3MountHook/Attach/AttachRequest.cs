namespace S3MountHook.Attach;

/// <summary>
/// What to attach where: the input of <see cref="MountAttacher.Attach(AttachRequest)"/>.
/// </summary>
/// <param name="ContainerPid">
/// The OCI state pid: the container's init, in the hook's (host) pid namespace.
/// </param>
/// <param name="RootPath">
/// Absolute host path of the container root (the spec's root.path made absolute).
/// </param>
/// <param name="Target">
/// Absolute path inside the container, already checked lexically: absolute, normalised, no "..".
/// </param>
/// <param name="StagingPath">Absolute host path where the FUSE mounter mounted the bucket.</param>
/// <param name="ReadOnly">Attach the clone with MOUNT_ATTR_RDONLY.</param>
internal sealed record AttachRequest(
    int ContainerPid,
    string RootPath,
    string Target,
    string StagingPath,
    bool ReadOnly
);

/// <summary>The outcome of a successful attach.</summary>
/// <param name="ResolvedTarget">
/// Path of the mount inside the container root after symbolic links were resolved.
/// </param>
/// <param name="Method">
/// "before-pivot-root" when the container root was found at RootPath in the container's mount
/// namespace, "after-pivot-root" when it was the root directory of the container's init.
/// </param>
internal sealed record AttachResult(string ResolvedTarget, string Method);

/// <summary>Which file system types the staging mount may have.</summary>
internal enum StagingCheck
{
    /// <summary>Only a FUSE type ("fuse", "fuse.s3fs", ...): the production rule.</summary>
    RequireFuse,

    /// <summary>Any type, so that tests can stand a tmpfs in for the FUSE mount.</summary>
    AcceptAnyFileSystem,
}
