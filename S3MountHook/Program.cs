using System.Runtime.InteropServices;
using S3MountHook.CommandLine;
using S3MountHook.Config;
using S3MountHook.Errors;
using S3MountHook.Exec;
using S3MountHook.Logging;
using S3MountHook.Pipeline;
using S3MountHook.State;

namespace S3MountHook;

/// <summary>
/// The entry point. It runs the composed pipeline once, then maps the single result to the exit
/// code: 0 for success or a container that did not ask for a mount, 2 for a usage error, 1 for any
/// other failure, with one line on stderr. Nothing else in the program writes to the console.
/// </summary>
internal static class Program
{
    private const int Failure = 1;
    private const int UsageFailure = 2;

    private static int Main(string[] arguments)
    {
        if (arguments is [MounterLauncher.Command, ..])
        {
            return MounterLauncher.Run(arguments);
        }

        var parsed = Invocation.Parse(arguments);
        if (parsed.IsFail)
        {
            return parsed.Match(
                Succ: _ => 0,
                Fail: error => Report(null, error.Message, UsageFailure)
            );
        }

        var invocation = (Invocation)parsed;
        return invocation.Command switch
        {
            HookCommand.Help => Print(Invocation.Usage),
            HookCommand.Version => Print(
                $"s3mounthook {typeof(Program).Assembly.GetName().Version}"
            ),
            HookCommand.Status => Finish(OperatorCommands.Status(invocation), new HookLog(null)),
            HookCommand.Gc => RunGc(invocation),
            _ => RunHook(invocation),
        };
    }

    private static int RunHook(Invocation invocation)
    {
        using var interruption = new CancellationTokenSource();
        using var terminate = PosixSignalRegistration.Create(
            PosixSignal.SIGTERM,
            Interrupt(interruption)
        );
        using var interrupt = PosixSignalRegistration.Create(
            PosixSignal.SIGINT,
            Interrupt(interruption)
        );

        var log = new HookLog(
            invocation.Explain ? null : invocation.LogPath ?? HookConfig.DefaultLogPath
        );
        var context = new HookContext(invocation, ReadStdin(), log)
        {
            Interruption = interruption.Token,
        };
        return Finish(HookPipeline.Run(context), log);
    }

    private static int RunGc(Invocation invocation)
    {
        // The sweep logs each removal to the configured log; --log overrides it as for the stages.
        var log = new HookLog(invocation.LogPath);
        return Finish(OperatorCommands.Gc(invocation, log), log);
    }

    private static int Finish(LanguageExt.Eff<HookOutcome> pipeline, HookLog? log)
    {
        log ??= new HookLog(null);
        return pipeline
            .Run()
            .Match(
                Succ: outcome =>
                {
                    // A container that did not ask for a mount gets no log line: the hook runs for every
                    // container, and that path must touch nothing.
                    if (outcome.Event != HookOutcome.SkippedEvent)
                    {
                        log.Info(outcome.Event, ("detail", outcome.Summary));
                    }

                    foreach (var line in outcome.Output)
                    {
                        Console.Out.WriteLine(line);
                    }

                    return outcome.ExitCode;
                },
                Fail: error =>
                {
                    log.Error(
                        "failed",
                        ("code", HookError.CodeOf(error)?.ToString() ?? "Unexpected"),
                        ("error", error.Message)
                    );
                    var code = error.Has(HookErrorCode.UsageInvalid) ? UsageFailure : Failure;
                    return Report(log.ContainerId, error.Message, code);
                }
            );
    }

    private static Action<PosixSignalContext> Interrupt(CancellationTokenSource interruption) =>
        signal =>
        {
            // Keep running: the pipeline checks the token, rolls back and exits non-zero.
            signal.Cancel = true;
            interruption.Cancel();
        };

    private static byte[] ReadStdin()
    {
        using var input = Console.OpenStandardInput();
        using var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        int read;
        while ((read = input.Read(chunk)) > 0 && buffer.Length <= OciState.MaxBytes)
        {
            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static int Report(string? containerId, string message, int code)
    {
        var subject = containerId is null ? "" : $"container {containerId}: ";
        var line = $"s3mounthook: {subject}{message}".ReplaceLineEndings(" ");
        Console.Error.WriteLine(line);
        return code;
    }

    private static int Print(string text)
    {
        Console.Out.WriteLine(text);
        return 0;
    }
}
