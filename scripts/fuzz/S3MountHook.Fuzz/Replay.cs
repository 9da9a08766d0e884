namespace S3MountHook.Fuzz;

/// <summary>
/// Runs saved inputs through every target without AFL, so that CI can check the corpus and
/// a crash found by afl-fuzz can be reproduced with a stack trace.
/// </summary>
internal static class Replay
{
    /// <summary>Runs each file under the directories through each target and returns 1 when any input fails.</summary>
    public static int Run(IEnumerable<string> directories)
    {
        var files = directories
            .SelectMany(directory =>
                File.Exists(directory)
                    ? [directory]
                    : Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            )
            .Order(StringComparer.Ordinal)
            .ToList();
        var failures = 0;
        foreach (var file in files)
        {
            var input = File.ReadAllBytes(file);
            foreach (var name in Targets.Names)
            {
                try
                {
                    Targets.Find(name)!(input);
                }
#pragma warning disable CA1031 // Every exception is a finding here, so the loop reports it and moves on.
                catch (Exception error)
#pragma warning restore CA1031
                {
                    failures++;
                    Console.Error.WriteLine($"FAIL {name} {file}: {error}");
                }
            }
        }

        Console.WriteLine(
            $"replayed {files.Count} files through {Targets.Names.Count} targets: {failures} failures"
        );
        return failures == 0 && files.Count > 0 ? 0 : 1;
    }
}
