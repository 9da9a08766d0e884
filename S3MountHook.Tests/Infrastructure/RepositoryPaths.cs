namespace S3MountHook.Tests.Infrastructure;

/// <summary>Paths inside the repository, found by walking up from the test assembly.</summary>
public static class RepositoryPaths
{
    private static readonly Lazy<string> Root = new(FindRoot);

    /// <summary>The directory that contains S3MountHook.sln.</summary>
    public static string RepositoryRoot => Root.Value;

    /// <summary>scripts/s3-server, which contains server.mjs and its package.json.</summary>
    public static string S3ServerDirectory => Path.Combine(RepositoryRoot, "scripts", "s3-server");

    /// <summary>The executable mount-s3 test double.</summary>
    public static string MountS3Double =>
        Path.Combine(RepositoryRoot, "S3MountHook.Tests", "Doubles", "mount-s3-double");

    private static string FindRoot()
    {
        for (
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            directory is not null;
            directory = directory.Parent
        )
        {
            if (File.Exists(Path.Combine(directory.FullName, "S3MountHook.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException(
            $"No S3MountHook.sln found above {AppContext.BaseDirectory}."
        );
    }
}
