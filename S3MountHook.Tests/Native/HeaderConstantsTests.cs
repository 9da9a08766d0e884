using System.Globalization;
using S3MountHook.Native;
using S3MountHook.Tests.Support;
using Xunit;

namespace S3MountHook.Tests.Native;

/// <summary>
/// Compiles a C program against the build machine's headers and prints each constant.
/// </summary>
public sealed class HeaderConstants : IDisposable
{
    private const string Program = """
        #define _GNU_SOURCE
        #include <fcntl.h>
        #include <linux/magic.h>
        #include <linux/openat2.h>
        #include <sched.h>
        #include <stddef.h>
        #include <stdio.h>
        #include <sys/mount.h>
        #include <sys/stat.h>
        #include <sys/syscall.h>
        #include <signal.h>
        #include <linux/close_range.h>
        #define SHOW(name) printf("%s\t%lld\n", #name, (long long)(name))
        int main(void) {
            SHOW(OPEN_TREE_CLONE); SHOW(OPEN_TREE_CLOEXEC);
            SHOW(MOVE_MOUNT_F_EMPTY_PATH); SHOW(MOVE_MOUNT_T_EMPTY_PATH);
            SHOW(MNT_DETACH); SHOW(MOUNT_ATTR_RDONLY); SHOW(MS_PRIVATE);
            SHOW(RESOLVE_IN_ROOT); SHOW(RESOLVE_NO_MAGICLINKS); SHOW(RESOLVE_NO_XDEV);
            SHOW(CLONE_NEWNS); SHOW(CLONE_FS);
            SHOW(AT_EMPTY_PATH); SHOW(AT_SYMLINK_NOFOLLOW); SHOW(AT_RECURSIVE); SHOW(AT_FDCWD);
            SHOW(O_PATH); SHOW(O_DIRECTORY); SHOW(O_NOFOLLOW); SHOW(O_CLOEXEC); SHOW(O_RDONLY);
            SHOW(SYS_open_tree); SHOW(SYS_move_mount); SHOW(SYS_openat2); SHOW(SYS_mount_setattr);
            SHOW(STATX_INO); SHOW(STATX_MNT_ID);
            SHOW(PROC_SUPER_MAGIC); SHOW(SYSFS_MAGIC);
            SHOW(MS_RDONLY); SHOW(MS_REMOUNT); SHOW(MS_BIND); SHOW(MS_REC);
            SHOW(RENAME_EXCHANGE); SHOW(SYS_pivot_root);
            SHOW(offsetof(struct statx, stx_ino));
            SHOW(offsetof(struct statx, stx_dev_major));
            SHOW(offsetof(struct statx, stx_mnt_id));
            SHOW(sizeof(struct statx));
            SHOW(offsetof(struct statx, stx_uid)); SHOW(offsetof(struct statx, stx_mode));
            SHOW(STATX_MODE); SHOW(STATX_UID);
            SHOW(O_WRONLY); SHOW(O_CREAT); SHOW(O_EXCL); SHOW(O_APPEND);
            SHOW(CLOSE_RANGE_CLOEXEC); SHOW(SIGKILL); SHOW(SIGTERM);
            return 0;
        }
        """;

    private readonly DirectoryInfo directory = Directory.CreateTempSubdirectory("s3mh-headers-");

    public HeaderConstants()
    {
        try
        {
            Values = Compile();
        }
        catch
        {
            // xunit calls Dispose only after a constructor succeeds.
            Dispose();
            throw;
        }
    }

    /// <summary>The constants as the C compiler computes them, keyed by the C expression.</summary>
    public IReadOnlyDictionary<string, long> Values { get; }

    public void Dispose() => directory.Delete(recursive: true);

    private Dictionary<string, long> Compile()
    {
        var source = Path.Combine(directory.FullName, "constants.c");
        var program = Path.Combine(directory.FullName, "constants");
        File.WriteAllText(source, Program);
        Commands.Run("gcc", "-o", program, source);
        return Commands
            .Run(program)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('\t'))
            .ToDictionary(
                pair => pair[0],
                pair => long.Parse(pair[1], CultureInfo.InvariantCulture)
            );
    }
}

public sealed class HeaderConstantsTests(HeaderConstants headers) : IClassFixture<HeaderConstants>
{
    public static TheoryData<string, long> Constants =>
        new()
        {
            { "OPEN_TREE_CLONE", Libc.OpenTreeClone },
            { "OPEN_TREE_CLOEXEC", Libc.OpenTreeCloexec },
            { "MOVE_MOUNT_F_EMPTY_PATH", Libc.MoveMountFromEmptyPath },
            { "MOVE_MOUNT_T_EMPTY_PATH", Libc.MoveMountToEmptyPath },
            { "MNT_DETACH", Libc.MntDetach },
            { "MOUNT_ATTR_RDONLY", (long)Libc.MountAttrReadOnly },
            { "MS_PRIVATE", (long)Libc.MsPrivate },
            { "RESOLVE_IN_ROOT", (long)Libc.ResolveInRoot },
            { "RESOLVE_NO_MAGICLINKS", (long)Libc.ResolveNoMagicLinks },
            { "RESOLVE_NO_XDEV", (long)Libc.ResolveNoXdev },
            { "CLONE_NEWNS", Libc.CloneNewNs },
            { "CLONE_FS", Libc.CloneFs },
            { "AT_EMPTY_PATH", Libc.AtEmptyPath },
            { "AT_SYMLINK_NOFOLLOW", Libc.AtSymlinkNoFollow },
            { "AT_RECURSIVE", Libc.AtRecursive },
            { "AT_FDCWD", Libc.AtFdCwd },
            { "O_PATH", Libc.OPath },
            { "O_DIRECTORY", Libc.ODirectory },
            { "O_NOFOLLOW", Libc.ONoFollow },
            { "O_CLOEXEC", Libc.OCloexec },
            { "O_RDONLY", Libc.OReadOnly },
            { "SYS_open_tree", Libc.SysOpenTree },
            { "SYS_move_mount", Libc.SysMoveMount },
            { "SYS_openat2", Libc.SysOpenat2 },
            { "SYS_mount_setattr", Libc.SysMountSetattr },
            { "STATX_INO", Libc.StatxIno },
            { "STATX_MNT_ID", Libc.StatxMountId },
            { "PROC_SUPER_MAGIC", Libc.ProcSuperMagic },
            { "SYSFS_MAGIC", Libc.SysfsMagic },
            { "offsetof(struct statx, stx_ino)", Libc.StatxInodeOffset },
            { "offsetof(struct statx, stx_uid)", Libc.StatxUidOffset },
            { "offsetof(struct statx, stx_mode)", Libc.StatxModeOffset },
            { "STATX_MODE", Libc.StatxMode },
            { "STATX_UID", Libc.StatxUid },
            { "O_WRONLY", Libc.OWrOnly },
            { "O_CREAT", Libc.OCreat },
            { "O_EXCL", Libc.OExcl },
            { "O_APPEND", Libc.OAppend },
            { "CLOSE_RANGE_CLOEXEC", Libc.CloseRangeCloexec },
            { "SIGKILL", Libc.SigKill },
            { "SIGTERM", Libc.SigTerm },
            { "offsetof(struct statx, stx_dev_major)", Libc.StatxDeviceMajorOffset },
            { "offsetof(struct statx, stx_mnt_id)", Libc.StatxMountIdOffset },
            { "sizeof(struct statx)", Libc.StatxSize },
            { "MS_RDONLY", (long)TestLibc.MsReadOnly },
            { "MS_REMOUNT", (long)TestLibc.MsRemount },
            { "MS_BIND", (long)TestLibc.MsBind },
            { "MS_REC", (long)TestLibc.MsRecursive },
            { "RENAME_EXCHANGE", TestLibc.RenameExchange },
            { "SYS_pivot_root", TestLibc.PivotRootNumber() },
        };

    [GccTheory]
    [MemberData(nameof(Constants))]
    public void ConstantMatchesHeader(string name, long value)
    {
        Assert.True(headers.Values.ContainsKey(name), $"the C program printed no value for {name}");
        Assert.Equal(headers.Values[name], value);
    }
}
