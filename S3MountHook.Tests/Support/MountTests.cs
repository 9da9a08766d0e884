using Xunit;

namespace S3MountHook.Tests.Support;

/// <summary>
/// The collection of tests that mount and unmount. They run one at a time, because each checks
/// that the host mount table gains no clone of its own staging mount.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MountTests
{
    public const string Name = "mounts";
}
