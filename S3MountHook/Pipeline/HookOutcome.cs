namespace S3MountHook.Pipeline;

/// <summary>
/// The result of a successful run: a one-line summary for the log, and the lines --explain prints
/// (empty for a normal run, which prints nothing on success).
/// </summary>
internal sealed record HookOutcome(
    string Event,
    string Summary,
    IReadOnlyList<string> Output,
    int ExitCode = 0
)
{
    /// <summary>The event name of <see cref="Skipped"/>.</summary>
    public const string SkippedEvent = "skipped";

    /// <summary>The container did not ask for a mount, or there was nothing to do.</summary>
    public static HookOutcome Skipped(string reason) => new(SkippedEvent, reason, []);

    /// <summary>Lines for --explain.</summary>
    public static HookOutcome Explained(IReadOnlyList<string> lines) =>
        new("explained", "printed the plan", lines);
}
