namespace S3MountHook.Tests.Core;

/// <summary>A fresh directory under the system temporary directory, removed on dispose.</summary>
internal sealed class TemporaryDirectory : IDisposable
{
    public TemporaryDirectory() =>
        Path = Directory.CreateTempSubdirectory("s3mounthook-tests-").FullName;

    public string Path { get; }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
