using S3MountHook.Errors;
using S3MountHook.Native;
using Xunit;

namespace S3MountHook.Tests.Native;

public sealed class MountTableTests
{
    private const string Source = "/proc/self/mountinfo";

    [Fact]
    public void ParseLineReadsEveryField()
    {
        var line =
            "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 shared:7 - "
            + "ext3 /dev/root rw,errors=continue";

        var entry = MountTable.ParseLine(line, Source).ThrowIfFail();

        Assert.Equal(36, entry.MountId);
        Assert.Equal(35, entry.ParentId);
        Assert.Equal("98:0", entry.Device);
        Assert.Equal("/mnt1", entry.Root);
        Assert.Equal("/mnt2", entry.MountPoint);
        Assert.Equal("rw,noatime", entry.MountOptions);
        Assert.Equal(["master:1", "shared:7"], entry.OptionalFields);
        Assert.Equal("ext3", entry.FileSystemType);
        Assert.Equal("/dev/root", entry.Source);
        Assert.Equal("rw,errors=continue", entry.SuperOptions);
    }

    [Fact]
    public void ParseLineWithoutOptionalFields()
    {
        var line =
            "612 29 0:52 / /run/s3/bucket rw,nosuid,nodev - "
            + "fuse.mount-s3 mountpoint-s3 rw,user_id=0";

        var entry = MountTable.ParseLine(line, Source).ThrowIfFail();

        Assert.Empty(entry.OptionalFields);
        Assert.Equal("fuse.mount-s3", entry.FileSystemType);
        Assert.Equal("mountpoint-s3", entry.Source);
    }

    [Fact]
    public void ParseLineDecodesOctalEscapes()
    {
        var line = @"40 29 0:60 / /tmp/a\040b\011c\012d\134e rw - tmpfs my\040src rw";

        var entry = MountTable.ParseLine(line, Source).ThrowIfFail();

        Assert.Equal("/tmp/a b\tc\nd\\e", entry.MountPoint);
        Assert.Equal("my src", entry.Source);
    }

    [Fact]
    public void UnescapeKeepsMultibyteCharacters()
    {
        // The kernel escapes only space, tab, newline and backslash; other bytes pass as UTF-8.
        Assert.Equal("/tmp/ä ö", MountTable.Unescape(@"/tmp/ä\040ö"));
    }

    [Fact]
    public void UnescapeLeavesIncompleteEscape()
    {
        Assert.Equal(@"/tmp/a\04", MountTable.Unescape(@"/tmp/a\04"));
    }

    [Fact]
    public void ParseLineWithoutSeparatorFails()
    {
        var line = "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 ext3 /dev/root rw";

        var result = MountTable.ParseLine(line, Source);

        Assert.True(result.IsFail);
        Assert.Equal(HookErrorCode.MountNotFound, result.Match(_ => null, HookError.CodeOf));
    }

    [Fact]
    public void ParseLineWithShortTailFails()
    {
        var result = MountTable.ParseLine("36 35 98:0 / / rw - ext3 /dev/root", Source);

        Assert.True(result.IsFail);
    }

    [Fact]
    public void ParseLineWithFewFieldsFails()
    {
        Assert.True(MountTable.ParseLine("broken line", Source).IsFail);
    }

    [Fact]
    public void ParseLineWithBadIdFails()
    {
        var result = MountTable.ParseLine("x 35 98:0 / / rw - ext3 /dev/root rw", Source);

        Assert.True(result.IsFail);
    }

    [Fact]
    public void ParseLineIgnoresDashInsideFixedFields()
    {
        // A mount point named "-" is a fixed field; the separator is searched only after them.
        var entry = MountTable.ParseLine("41 29 0:61 / - rw - tmpfs none rw", Source).ThrowIfFail();

        Assert.Equal("-", entry.MountPoint);
        Assert.Equal("tmpfs", entry.FileSystemType);
    }

    [Fact]
    public void ParseFailsOnAnyMalformedLine()
    {
        var text = "1 0 8:1 / / rw - ext4 /dev/sda1 rw\nbroken line\n";

        Assert.True(MountTable.Parse(text, Source).IsFail);
    }

    [Fact]
    public void FindVisibleAtPicksTopOfStack()
    {
        var table = MountTable
            .Parse(
                "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
                    + "20 1 0:30 / /staging rw - tmpfs first rw\n"
                    + "21 20 0:31 / /staging rw - fuse.s3fs second rw\n"
                    + "22 1 0:32 / /other rw - tmpfs other rw\n",
                Source
            )
            .ThrowIfFail();

        var entry = MountTable.FindVisibleAt(table, "/staging");

        Assert.Equal(21, entry.Map(e => e.MountId).IfNone(-1));
    }

    [Fact]
    public void FindVisibleAtMissingIsNone()
    {
        var table = MountTable.Parse("1 0 8:1 / / rw - ext4 /dev/sda1 rw\n", Source).ThrowIfFail();

        Assert.True(MountTable.FindVisibleAt(table, "/staging").IsNone);
    }

    [Fact]
    public void MountIdOfMatchesOwnTable()
    {
        using var descriptor = Libc.Open("/proc", Libc.OPath | Libc.OCloexec).ThrowIfFail();
        var table = MountTable.ReadSelf().ThrowIfFail();

        var id = MountTable.MountIdOf(descriptor).ThrowIfFail();

        var proc = MountTable.FindVisibleAt(table, "/proc");
        Assert.Equal(proc.Map(e => e.MountId).IfNone(-1), id);
    }
}
