using System.Runtime.InteropServices;
using LanguageExt;
using S3MountHook.Errors;
using S3MountHook.Native;
using static LanguageExt.Prelude;

namespace S3MountHook.Config;

/// <summary>
/// Checks that a file which decides what root runs (the hook config, the mounter binary) can be
/// changed only by root or by the user the hook runs as: whoever can write it can run code as root.
/// </summary>
internal static class FileTrust
{
    // S_IWGRP | S_IWOTH: write permission for the group or for others.
    private const uint WritableByOthers = 0x12;

    /// <summary>Fails when the open file is owned by another user or writable by group or others.</summary>
    public static Fin<Unit> Check(SafeHandle file, string path, string what) =>
        Libc.OwnerAndMode(file, path).Bind(owner =>
        {
            var self = Libc.EffectiveUserId();
            if (owner.Uid != 0 && owner.Uid != self)
            {
                return Untrusted(path, what, $"is owned by uid {owner.Uid}, not by root");
            }

            return (owner.Mode & WritableByOthers) != 0
                ? Untrusted(path, what, $"is writable by group or others (mode {Convert.ToString(owner.Mode & 0xFFF, 8)})")
                : unit;
        });

    /// <summary>Opens a file read-only and checks it.</summary>
    public static Fin<Unit> CheckPath(string path, string what)
    {
        try
        {
            using var file = File.OpenHandle(path);
            return Check(file, path, what);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return FinFail<Unit>(HookError.New(HookErrorCode.MounterNotFound, $"{what} {path} cannot be opened ({error.Message}); install it or fix program_path in the hook config"));
        }
    }

    private static Fin<Unit> Untrusted(string path, string what, string problem) =>
        FinFail<Unit>(HookError.New(
            HookErrorCode.ConfigInvalid,
            $"{what} {path} {problem}; the hook runs it as root, so make it root-owned and not group- or world-writable"));
}
