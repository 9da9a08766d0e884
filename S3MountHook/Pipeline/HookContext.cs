using S3MountHook.CommandLine;
using S3MountHook.Logging;

namespace S3MountHook.Pipeline;

/// <summary>The inputs of one run: the command line, the bytes on stdin and the log.</summary>
internal sealed record HookContext(Invocation Invocation, byte[] Stdin, HookLog Log)
{
    /// <summary>Set when SIGTERM or SIGINT arrives; long-running stages stop and roll back.</summary>
    public CancellationToken Interruption { get; init; }
}
