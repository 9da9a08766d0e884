using System.Globalization;
using LanguageExt;
using LanguageExt.Common;
using S3MountHook.Errors;
using S3MountHook.Native;

namespace S3MountHook.Attach;

/// <summary>
/// An open descriptor of the resolved mount point and its path inside the container root.
/// </summary>
internal sealed record ResolvedTarget(FileDescriptor Descriptor, string Path) : IDisposable
{
    /// <inheritdoc/>
    public void Dispose() => Descriptor.Dispose();
}

/// <summary>
/// Resolves the target path inside the container root, creating missing directories.
/// Policy: symbolic links are followed but never leave the root. openat2 with RESOLVE_IN_ROOT
/// resolves an absolute link from the container root and stops ".." at it, the way a chroot
/// would (openat2(2)). RESOLVE_NO_MAGICLINKS rejects /proc links such as /proc/self/root that
/// would jump to another tree. A dangling link is not followed to create its target.
/// </summary>
internal static class TargetResolver
{
    private static readonly int DirectoryFlags = Libc.OPath | Libc.ODirectory | Libc.OCloexec;
    private const ulong ResolveFlags = Libc.ResolveInRoot | Libc.ResolveNoMagicLinks;
    private const uint DirectoryMode = 0b111_101_101; // 0755

    // openat2(2): with RESOLVE_IN_ROOT, EAGAIN means a concurrent rename or mount could have let
    // ".." escape, and the call may be retried. The bound keeps an attacker from looping forever.
    private const int MaxAttempts = 32;

    private static readonly string[] ForbiddenTrees = ["/proc", "/sys", "/dev"];

    /// <summary>
    /// Opens <paramref name="target"/> inside <paramref name="root"/>, creating missing
    /// directories, and rejects mount points that would hide the root, /proc, /sys or /dev.
    /// <paramref name="fdDirectory"/> is /proc/self/fd, used to read the resolved paths.
    /// </summary>
    public static Fin<ResolvedTarget> Resolve(
        FileDescriptor root,
        string target,
        string rootPath,
        FileDescriptor fdDirectory
    )
    {
        var parts = target.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
        {
            return Rejected(target, "/", "the container root");
        }

        return OpenOrCreate(root, parts, target, rootPath)
            .BiMap(Succ: descriptor => descriptor, Fail: error => Unresolvable(target, error))
            .Bind(descriptor =>
                descriptor.TransferOrClose(d => Inspect(root, d, target, fdDirectory))
            );
    }

    private static Fin<FileDescriptor> OpenOrCreate(
        FileDescriptor root,
        string[] parts,
        string target,
        string rootPath
    )
    {
        var opened = OpenInRoot(root, string.Join('/', parts));
        return opened.FailedErrno() == Errno.ENOENT
            ? CreateComponents(root, parts, target, rootPath)
            : opened;
    }

    // Each step resolves the whole prefix again from the root, so a component swapped for a
    // symbolic link between steps still resolves inside the root.
    // NOTE: directories created here stay when a later step fails. They are empty, 0755 and
    // owned by the hook's user (root), inside the container root only.
    private static Fin<FileDescriptor> CreateComponents(
        FileDescriptor root,
        string[] parts,
        string target,
        string rootPath
    )
    {
        var current = Libc.OpenAt(root, ".", DirectoryFlags);
        for (var count = 1; count <= parts.Length && current.IsSucc; count++)
        {
            var prefix = string.Join('/', parts, 0, count);
            var name = parts[count - 1];
            current = current.Use(parent =>
                OpenOrMakeChild(root, parent, prefix, name, target, rootPath)
            );
        }

        return current;
    }

    private static Fin<FileDescriptor> OpenOrMakeChild(
        FileDescriptor root,
        FileDescriptor parent,
        string prefix,
        string name,
        string target,
        string rootPath
    )
    {
        var child = OpenInRoot(root, prefix);
        if (child.FailedErrno() != Errno.ENOENT)
        {
            return child;
        }

        return MakeDirectory(parent, name, target, rootPath).Bind(_ => OpenInRoot(root, prefix));
    }

    private static Fin<Unit> MakeDirectory(
        FileDescriptor parent,
        string name,
        string target,
        string rootPath
    )
    {
        var created = Libc.MakeDirectoryAt(parent, name, DirectoryMode);
        return created.FailedErrno() switch
        {
            // EEXIST: another process made the directory, or the name is a dangling link,
            // which the reopen reports.
            Errno.EEXIST => Prelude.unit,
            Errno.EROFS => HookError.New(
                HookErrorCode.RootReadOnly,
                $"The container root {rootPath} is read-only, so the mount point {target} "
                    + "cannot be created. Point CONTAINER_MOUNTPOINT at a writable path or create "
                    + "the directory in the image."
            ),
            _ => created,
        };
    }

    private static Fin<FileDescriptor> OpenInRoot(FileDescriptor root, string relative)
    {
        var opened = Libc.OpenAt2(root, relative, DirectoryFlags, ResolveFlags);
        for (
            var attempt = 1;
            attempt < MaxAttempts && opened.FailedErrno() == Errno.EAGAIN;
            attempt++
        )
        {
            opened = Libc.OpenAt2(root, relative, DirectoryFlags, ResolveFlags);
        }

        return opened;
    }

    private static Fin<ResolvedTarget> Inspect(
        FileDescriptor root,
        FileDescriptor descriptor,
        string target,
        FileDescriptor fdDirectory
    ) =>
        from rootPath in ReadPath(fdDirectory, root)
        from fullPath in ReadPath(fdDirectory, descriptor)
        from relative in RelativePath(rootPath, fullPath, target)
        from _ in CheckLocation(relative, target)
        from magic in Libc.FileSystemType(descriptor, target)
        from __ in CheckFileSystem(magic, relative, target)
        select new ResolvedTarget(descriptor, relative);

    private static Fin<string> ReadPath(FileDescriptor fdDirectory, FileDescriptor descriptor) =>
        Libc.ReadLinkAt(fdDirectory, descriptor.Number.ToString(CultureInfo.InvariantCulture));

    private static Fin<string> RelativePath(string rootPath, string fullPath, string target)
    {
        if (rootPath == "/")
        {
            return fullPath;
        }

        if (fullPath == rootPath)
        {
            return "/";
        }

        // Fin.Succ is explicit: LanguageExt would convert a bare string to an Error here.
        return fullPath.StartsWith(rootPath + "/", StringComparison.Ordinal)
            ? Fin<string>.Succ(fullPath[rootPath.Length..])
            : HookError.New(
                HookErrorCode.TargetUnresolvable,
                $"The target {target} resolved to {fullPath}, outside the container root "
                    + $"{rootPath}."
            );
    }

    private static Fin<Unit> CheckLocation(string relative, string target)
    {
        if (relative == "/")
        {
            return Rejected(target, relative, "the container root");
        }

        var tree = ForbiddenTrees.FirstOrDefault(tree => IsWithin(relative, tree));
        return tree is null ? Prelude.unit : Rejected(target, relative, $"inside {tree}");
    }

    private static Fin<Unit> CheckFileSystem(long magic, string relative, string target) =>
        magic switch
        {
            Libc.ProcSuperMagic => Rejected(target, relative, "on a procfs mount"),
            Libc.SysfsMagic => Rejected(target, relative, "on a sysfs mount"),
            _ => Prelude.unit,
        };

    private static bool IsWithin(string path, string tree) =>
        path == tree || path.StartsWith(tree + "/", StringComparison.Ordinal);

    // A FUSE file system over the container's /, /proc, /sys or /dev would let its server feed
    // false data to the runtime, which later writes to files such as /proc/self/attr/exec.
    private static Error Rejected(string target, string resolved, string place) =>
        HookError.New(
            HookErrorCode.TargetInvalid,
            $"The mount point {target} resolves to {resolved}, {place}. A mount there would hide "
                + "files that the container and its runtime rely on. Point CONTAINER_MOUNTPOINT at "
                + "another directory."
        );

    // Failed system calls get this message; catalogue errors such as RootReadOnly pass unchanged.
    private static Error Unresolvable(string target, Error cause) =>
        cause is not SyscallFailure
            ? cause
            : Error.New(
                (int)HookErrorCode.TargetUnresolvable,
                $"The mount point {target} cannot be resolved inside the container root: "
                    + $"{cause.Message}. Point CONTAINER_MOUNTPOINT at a directory, or at symbolic "
                    + "links that lead to one.",
                cause
            );
}
