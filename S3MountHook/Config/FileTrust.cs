using System.Runtime.InteropServices;
using LanguageExt;
using S3MountHook.Errors;
using S3MountHook.Native;
using static LanguageExt.Prelude;

namespace S3MountHook.Config;

/// <summary>
/// Checks that a file which decides what root runs (the hook config, the mounter binary) can be
/// changed only by root or by the user the hook runs as, because anyone who can write it can run
/// code as root.
/// </summary>
internal static class FileTrust
{
    // S_IWGRP | S_IWOTH: write permission for the group or for others.
    private const uint WritableByOthers = 0x12;

    // S_ISVTX: in a sticky directory only a file's owner may rename or remove it (as in /tmp).
    private const uint Sticky = 0x200;

    /// <summary>
    /// Fails when the open file, or any directory on its resolved path, is owned by another user or
    /// writable by group or others, because anyone who can write a parent directory can swap the file.
    /// A sticky directory counts as safe, because others cannot replace a root-owned file in it.
    /// </summary>
    public static Fin<Unit> Check(SafeHandle file, string path, string role) =>
        Libc.OwnerAndMode(file, path)
            .Bind(owner => Judge(path, role, path, owner, isDirectory: false))
            .Bind(_ => ResolvedPath(file, path))
            .Bind(resolved => CheckAncestors(resolved, path, role));

    private static Fin<Unit> CheckAncestors(string resolved, string path, string role)
    {
        for (
            var directory = Path.GetDirectoryName(resolved);
            directory is not null;
            directory = Path.GetDirectoryName(directory)
        )
        {
            var checkedDirectory = directory;
            var result = Libc.OwnerAndModeOfPath(directory)
                .Bind(owner => Judge(path, role, checkedDirectory, owner, isDirectory: true));
            if (result.IsFail)
            {
                return result;
            }
        }

        return unit;
    }

    private static Fin<Unit> Judge(
        string path,
        string role,
        string subject,
        (uint Uid, uint Mode) owner,
        bool isDirectory
    )
    {
        var place = subject == path ? "" : $" (in directory {subject})";
        if (owner.Uid != 0 && owner.Uid != Libc.EffectiveUserId())
        {
            return Untrusted(
                path,
                role,
                $"{place} is owned by uid {owner.Uid}, not by root".TrimStart()
            );
        }

        var writable =
            (owner.Mode & WritableByOthers) != 0 && !(isDirectory && (owner.Mode & Sticky) != 0);
        return writable
            ? Untrusted(
                path,
                role,
                $"{place} is writable by group or others (mode {Convert.ToString(owner.Mode & 0xFFF, 8)})".TrimStart()
            )
            : unit;
    }

    // The path the kernel opened, with every symbolic link resolved, read back from /proc.
    private static Fin<string> ResolvedPath(SafeHandle file, string path)
    {
        try
        {
            var link = $"/proc/self/fd/{file.DangerousGetHandle()}";
            return File.ResolveLinkTarget(link, returnFinalTarget: false)?.FullName is { } target
                ? FinSucc(target)
                : FinSucc(Path.GetFullPath(path));
        }
        catch (IOException)
        {
            return FinSucc(Path.GetFullPath(path));
        }
    }

    /// <summary>Opens a file read-only and checks it.</summary>
    public static Fin<Unit> CheckPath(string path, string role)
    {
        try
        {
            using var file = File.OpenHandle(path);
            return Check(file, path, role);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return FinFail<Unit>(
                HookError.New(
                    HookErrorCode.MounterNotFound,
                    $"{role} {path} cannot be opened ({ExceptionText.Describe(error)}); install it or fix program_path in the hook config"
                )
            );
        }
    }

    private static Fin<Unit> Untrusted(string path, string role, string problem) =>
        FinFail<Unit>(
            HookError.New(
                HookErrorCode.ConfigInvalid,
                $"{role} {path} {problem}; the hook runs it as root, so make it root-owned and not group- or world-writable"
            )
        );
}
