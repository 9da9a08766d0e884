using LanguageExt;
using LanguageExt.Common;
using S3MountHook.Errors;
using S3MountHook.Native;

namespace S3MountHook.Attach;

/// <summary>An open descriptor of the container's root directory and how it was found.</summary>
internal sealed record ContainerRoot(FileDescriptor Descriptor, string Method) : IDisposable
{
    /// <summary>
    /// The method name when the root was found at RootPath in the container's namespace.
    /// </summary>
    public const string BeforePivotRoot = "before-pivot-root";

    /// <summary>
    /// The method name when the root was the root directory of the container's init.
    /// </summary>
    public const string AfterPivotRoot = "after-pivot-root";

    private static readonly int PathFlags = Libc.OPath | Libc.ODirectory | Libc.OCloexec;

    /// <summary>
    /// Opens the container root. Call this on a thread inside the container's mount namespace.
    /// runc runs prestart and createRuntime hooks before its init calls pivot_root: the init's root
    /// is then still the namespace's copy of the host root, and the container root is the bind
    /// mount of RootPath onto itself inside that namespace. After pivot_root, the init's root is
    /// that bind mount. Both mounts show the inode of the host's RootPath, so comparing device and
    /// inode with it distinguishes the cases. Comparing the init's root with the namespace's "/"
    /// would not: they are equal in both cases.
    /// </summary>
    public static Fin<ContainerRoot> Open(
        FileDescriptor processRoot,
        FileDescriptor hostRoot,
        AttachRequest request
    ) =>
        Libc.Identify(hostRoot, request.RootPath)
            .Bind(host =>
                Libc.Identify(processRoot, ProcessRootPath(request))
                    .Bind(process =>
                        process.IsSameInode(host)
                            ? OpenAfterPivot(processRoot)
                            : OpenBeforePivot(processRoot, host, request)
                    )
            );

    /// <inheritdoc/>
    public void Dispose() => Descriptor.Dispose();

    private static Fin<ContainerRoot> OpenAfterPivot(FileDescriptor processRoot) =>
        Libc.OpenAt(processRoot, ".", PathFlags)
            .Map(root => new ContainerRoot(root, AfterPivotRoot));

    // RootPath comes from the runtime's bundle, not from the container, so an ordinary lookup from
    // the init's root is safe here. Before pivot_root, no program from the image has run yet.
    private static Fin<ContainerRoot> OpenBeforePivot(
        FileDescriptor processRoot,
        FileIdentity host,
        AttachRequest request
    ) =>
        Libc.OpenAt(processRoot, RelativeRootPath(request.RootPath), PathFlags)
            .Bind(root => root.TransferOrClose(r => MatchHostRoot(r, host, request)));

    private static Fin<ContainerRoot> MatchHostRoot(
        FileDescriptor root,
        FileIdentity host,
        AttachRequest request
    ) =>
        Libc.Identify(root, request.RootPath)
            .Bind(inside =>
                inside.IsSameInode(host)
                    ? Fin<ContainerRoot>.Succ(new ContainerRoot(root, BeforePivotRoot))
                    : Fin<ContainerRoot>.Fail(RootMismatch(request))
            );

    private static Error RootMismatch(AttachRequest request) =>
        HookError.New(
            HookErrorCode.TargetUnresolvable,
            $"The container root {request.RootPath} is a different directory in the mount "
                + $"namespace of pid {request.ContainerPid} than on the host, so the mount point "
                + "cannot be resolved. Check that the hook runs at the prestart or createRuntime "
                + "stage."
        );

    private static string RelativeRootPath(string rootPath)
    {
        var relative = rootPath.TrimStart('/');
        return relative.Length == 0 ? "." : relative;
    }

    private static string ProcessRootPath(AttachRequest request) =>
        $"/proc/{request.ContainerPid}/root";
}
