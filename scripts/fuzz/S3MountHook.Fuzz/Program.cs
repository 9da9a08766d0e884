using SharpFuzz;

namespace S3MountHook.Fuzz;

/// <summary>
/// Entry point of the fuzz harness. <c>TARGET</c> runs one target under afl-fuzz through SharpFuzz, and
/// <c>replay DIR...</c> runs every file under the directories through every target without AFL.
/// </summary>
internal static class Program
{
    private const string UsageText = """
        Usage: S3MountHook.Fuzz TARGET        run TARGET under afl-fuzz (input from AFL)
               S3MountHook.Fuzz replay DIR... run every file under DIR through every target

        Targets: state, config, spec, env, argv
        """;

    private static int Main(string[] arguments)
    {
        if (arguments is ["replay", .. var directories] && directories.Length > 0)
        {
            return Replay.Run(directories);
        }

        if (arguments is [var name] && Targets.Find(name) is { } target)
        {
            Fuzzer.OutOfProcess.Run(stream =>
            {
                using var buffer = new MemoryStream();
                stream.CopyTo(buffer);
                target(buffer.ToArray());
            });
            return 0;
        }

        Console.Error.WriteLine(UsageText);
        return 2;
    }
}
