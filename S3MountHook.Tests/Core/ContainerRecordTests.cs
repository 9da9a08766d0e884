using System.Text.Json;
using S3MountHook.Errors;
using S3MountHook.Lifecycle;
using Xunit;

namespace S3MountHook.Tests.Core;

public sealed class ContainerRecordTests
{
    // The record is built from JSON rather than its constructor, so that these tests keep compiling
    // when fields are added. Fields missing from this JSON take their default value.
    private const string RecordJson = """
        {
          "version": 1,
          "containerId": "c1",
          "mounter": "mount-s3",
          "program": "/usr/bin/mount-s3",
          "mounterPid": 4321,
          "mounterStartTime": 987654321,
          "containerDirectory": "PLACEHOLDER",
          "stagingPath": "/run/s3mounthook/mounts/c1",
          "target": "/mnt/s3",
          "bucket": "my-bucket",
          "prefix": "team/data/",
          "files": ["/run/s3mounthook/containers/c1/s3fs.passwd"],
          "createdAt": "2026-01-02T03:04:05+00:00"
        }
        """;

    private static ContainerRecord Sample(string directory) =>
        JsonSerializer.Deserialize(
            RecordJson.Replace("PLACEHOLDER", directory, StringComparison.Ordinal),
            RecordContext.Default.ContainerRecord
        )!;

    private static string Serialize(ContainerRecord record) =>
        JsonSerializer.Serialize(record, RecordContext.Default.ContainerRecord);

    [Fact]
    public void WriteThenReadRoundTrips()
    {
        using var directory = new TemporaryDirectory();
        var record = Sample(directory.Path);

        FinAssert.Success(record.Write());
        var read = FinAssert.Success(ContainerRecord.Read(directory.Path));

        Assert.True(read.IsSome);
        Assert.Equal(Serialize(record), read.Map(Serialize).IfNone(""));
    }

    [Fact]
    public void WriteCreatesOwnerOnlyFile()
    {
        using var directory = new TemporaryDirectory();

        FinAssert.Success(Sample(directory.Path).Write());

        var mode = File.GetUnixFileMode(Path.Join(directory.Path, ContainerRecord.FileName));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
    }

    [Fact]
    public void WriteLeavesNoTemporaryFile()
    {
        using var directory = new TemporaryDirectory();

        FinAssert.Success(Sample(directory.Path).Write());

        Assert.Equal(
            [ContainerRecord.FileName],
            Directory.GetFiles(directory.Path).Select(Path.GetFileName)
        );
    }

    [Fact]
    public void WriteReplacesOldRecord()
    {
        using var directory = new TemporaryDirectory();
        FinAssert.Success(Sample(directory.Path).Write());

        FinAssert.Success((Sample(directory.Path) with { MounterPid = 99 }).Write());

        var read = FinAssert.Success(ContainerRecord.Read(directory.Path));
        Assert.Equal(99, read.Map(record => record.MounterPid).IfNone(0));
    }

    [Fact]
    public void WriteToMissingDirectoryFails()
    {
        using var directory = new TemporaryDirectory();
        var record = Sample(Path.Join(directory.Path, "absent"));

        FinAssert.Failure(record.Write(), HookErrorCode.RecordInvalid);
    }

    [Fact]
    public void ReadMissingDirectoryGivesNone()
    {
        using var directory = new TemporaryDirectory();

        var read = FinAssert.Success(ContainerRecord.Read(Path.Join(directory.Path, "absent")));

        Assert.True(read.IsNone);
    }

    [Fact]
    public void ReadMissingFileGivesNone()
    {
        using var directory = new TemporaryDirectory();

        var read = FinAssert.Success(ContainerRecord.Read(directory.Path));

        Assert.True(read.IsNone);
    }

    [Theory]
    [InlineData("{")]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("""{"version":"one"}""")]
    public void ReadCorruptJsonFails(string json)
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(Path.Join(directory.Path, ContainerRecord.FileName), json);

        var message = FinAssert
            .Failure(ContainerRecord.Read(directory.Path), HookErrorCode.RecordInvalid)
            .Message;

        Assert.Contains("is not valid JSON", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"version":2}""")]
    [InlineData("""{}""")]
    [InlineData("null")]
    public void ReadUnknownVersionFails(string json)
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(Path.Join(directory.Path, ContainerRecord.FileName), json);

        var message = FinAssert
            .Failure(ContainerRecord.Read(directory.Path), HookErrorCode.RecordInvalid)
            .Message;

        Assert.Contains("has an unknown version", message, StringComparison.Ordinal);
    }
}
