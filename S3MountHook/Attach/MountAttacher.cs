using System.Globalization;
using LanguageExt;
using S3MountHook.Native;

namespace S3MountHook.Attach;

/// <summary>
/// Makes the mounter's FUSE mount appear at the target path inside a container: the mount is
/// cloned on the host, the clone is carried into the container's mount namespace and attached
/// there on a descriptor of the resolved target.
/// </summary>
internal static class MountAttacher
{
    private static readonly int PathFlags = Libc.OPath | Libc.ODirectory | Libc.OCloexec;

    // setns(2) needs a descriptor opened for reading: an O_PATH descriptor of a namespace file
    // fails with EINVAL.
    private const int NamespaceFlags = Libc.OReadOnly | Libc.OCloexec;

    private const uint DirectoryUmask = 0b000_010_010; // 022

    /// <summary>
    /// Attaches the FUSE mount at the staging path to the target inside the container.
    /// </summary>
    public static Fin<AttachResult> Attach(AttachRequest request) =>
        Attach(request, StagingCheck.RequireFuse);

    /// <summary>Attaches with a chosen staging check; tests use a tmpfs in place of FUSE.</summary>
    internal static Fin<AttachResult> Attach(AttachRequest request, StagingCheck check) =>
        StagingMount
            .Clone(request.StagingPath, check, request.ReadOnly)
            .Use(clone => OpenProcess(request, clone));

    /// <summary>
    /// Detaches the mounter's mount at the staging path (umount2 with MNT_DETACH). A path that is
    /// gone or no longer a mount point counts as done, so cleanup can run more than once.
    /// </summary>
    internal static Fin<Unit> DetachStaging(string stagingPath) =>
        Libc.UnmountDetached(stagingPath);

    // The /proc/PID directory is opened once, so that the namespace and the root below it belong to
    // the same process even if the pid is reused meanwhile.
    private static Fin<AttachResult> OpenProcess(AttachRequest request, FileDescriptor clone)
    {
        var processPath = $"/proc/{request.ContainerPid.ToString(CultureInfo.InvariantCulture)}";
        return Libc.Open(processPath, PathFlags)
            .Use(process =>
                Libc.OpenAt(process, "ns/mnt", NamespaceFlags)
                    .Use(mountNamespace =>
                        Libc.OpenAt(process, "root", PathFlags)
                            .Use(processRoot =>
                                OpenHostSide(
                                    request,
                                    clone,
                                    mountNamespace,
                                    processRoot,
                                    processPath
                                )
                            )
                    )
            );
    }

    // Everything that names a host path is opened before the thread leaves the host namespace.
    private static Fin<AttachResult> OpenHostSide(
        AttachRequest request,
        FileDescriptor clone,
        FileDescriptor mountNamespace,
        FileDescriptor processRoot,
        string processPath
    ) =>
        Libc.Open(request.RootPath, PathFlags)
            .Use(hostRoot =>
                Libc.Open("/proc/self/fd", PathFlags)
                    .Use(fdDirectory =>
                        NamespaceThread.Run(mountNamespace, processPath + "/ns/mnt", () =>
                            AttachInNamespace(request, clone, processRoot, hostRoot, fdDirectory)
                        )
                    )
            );

    private static Fin<AttachResult> AttachInNamespace(
        AttachRequest request,
        FileDescriptor clone,
        FileDescriptor processRoot,
        FileDescriptor hostRoot,
        FileDescriptor fdDirectory
    )
    {
        // mkdirat applies the umask, which the runtime passes on to the hook. This thread has its
        // own umask after unshare(CLONE_FS), so 022 here makes created directories 0755 without
        // touching other threads.
        Libc.SetFileCreationMask(DirectoryUmask);
        return AttachInRoot(request, clone, processRoot, hostRoot, fdDirectory);
    }

    private static Fin<AttachResult> AttachInRoot(
        AttachRequest request,
        FileDescriptor clone,
        FileDescriptor processRoot,
        FileDescriptor hostRoot,
        FileDescriptor fdDirectory
    ) =>
        ContainerRoot
            .Open(processRoot, hostRoot, request)
            .Use(root =>
                TargetResolver
                    .Resolve(root.Descriptor, request.Target, request.RootPath, fdDirectory)
                    .Use(target =>
                        Libc.MoveMount(clone, target.Descriptor, target.Path)
                            .Map(_ => new AttachResult(target.Path, root.Method))
                    )
            );
}
