using System.Diagnostics;
using System.Text;
using CliWrap;
using LanguageExt;
using LanguageExt.Common;
using S3MountHook.Errors;
using S3MountHook.Native;
using S3MountHook.Plan;
using S3MountHook.Secrets;
using static LanguageExt.Prelude;

namespace S3MountHook.Exec;

/// <summary>
/// Starts the mounter through CliWrap and waits until its FUSE mount appears at the staging path,
/// the mounter exits, or the deadline passes. Readiness comes from the mount table, never from the
/// mounter's output, which goes to a log file (see <see cref="MounterLauncher"/>).
/// </summary>
internal static class MounterRunner
{
    // How long one wait for the mounter's exit lasts before the mount table is checked again.
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    // How long a killed mounter may take to be reaped before the hook gives up waiting.
    private static readonly TimeSpan KillGrace = TimeSpan.FromSeconds(5);

    // The most of the mounter's log that goes into an error message, in characters.
    private const int MaxMessageLength = 400;

    /// <summary>Starts the mounter for a plan and returns its identity once the mount exists.</summary>
    public static Fin<ProcessIdentity> Start(MountPlan plan, CancellationToken interruption)
    {
        var mounter = plan.Mounter;
        var launcherOutput = new StringBuilder();
        using var cancellation = new CancellationTokenSource();
        var command = Cli.Wrap(Environment.ProcessPath ?? "/proc/self/exe")
            .WithArguments(
                MounterLauncher.Arguments(
                    plan.LogPath,
                    Path.Join(plan.ContainerDirectory, MounterLauncher.PidFileName),
                    mounter.Program,
                    mounter.Arguments
                )
            )
            .WithWorkingDirectory("/")
            .WithEnvironmentVariables(variables => ExactEnvironment(variables, mounter.Environment))
            .WithValidation(CommandResultValidation.None)
            .WithStandardOutputPipe(PipeTarget.ToStringBuilder(launcherOutput))
            .WithStandardErrorPipe(PipeTarget.ToStringBuilder(launcherOutput));

        var execution = command.ExecuteAsync(cancellation.Token);
        var identity = ProcessIdentity.Of(execution.ProcessId);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (MountWatch.IsFuseMountAt(plan.StagingPath))
            {
                if (Confirm(plan, identity, plan.Timeout - clock.Elapsed))
                {
                    return identity!;
                }

                // s3fs 1.90 checks the bucket after it mounted, and its error showed up in its log
                // only once it had exited, so the message waits for that exit within the deadline.
                // A mounter still running then is stopped, because no rollback step names it yet.
                var remaining = (plan.Timeout - clock.Elapsed).Ticks;
                WaitQuietly(
                    execution.Task,
                    TimeSpan.FromTicks(Math.Clamp(remaining, 0, KillGrace.Ticks))
                );
                if (!execution.Task.IsCompleted)
                {
                    Stop(execution, cancellation);
                }

                return FinFail<ProcessIdentity>(
                    Failed(plan, "mounted the bucket but then failed to serve it", launcherOutput)
                );
            }

            if (execution.Task.IsCompleted)
            {
                var code = execution.Task.IsCompletedSuccessfully
                    ? execution.Task.Result.ExitCode
                    : -1;
                return FinFail<ProcessIdentity>(
                    Failed(
                        plan,
                        $"exited with code {code} before the mount appeared",
                        launcherOutput
                    )
                );
            }

            if (clock.Elapsed >= plan.Timeout)
            {
                return FinFail<ProcessIdentity>(
                    TimedOut(plan, execution, cancellation, launcherOutput)
                );
            }

            if (interruption.IsCancellationRequested)
            {
                Stop(execution, cancellation);
                return FinFail<ProcessIdentity>(
                    HookError.New(
                        HookErrorCode.Interrupted,
                        $"the hook was interrupted by a signal while {Name(plan)} was starting, and rolled back"
                    )
                );
            }

            WaitQuietly(execution.Task, PollInterval);
        }
    }

    /// <summary>
    /// Confirms a mount that just appeared is served. A mounter may mount first and check the bucket
    /// in its FUSE init handler, then unmount and exit (s3fs 1.90 does, with exit code 0). The kernel
    /// keeps every request waiting until the init reply, so a stat of the mount root returns only
    /// after that check. The mount must still be there, and the mounter alive, afterwards. The stat runs
    /// on a pool thread so that a mounter that never answers cannot hold the hook past its deadline.
    /// </summary>
    private static bool Confirm(MountPlan plan, ProcessIdentity? mounter, TimeSpan remaining)
    {
        var probe = Task.Run(() => Probe(plan));
        var answered =
            probe.Wait(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero) && probe.Result;
        return answered
            && mounter is not null
            && mounter.IsAlive()
            && MountWatch.IsFuseMountAt(plan.StagingPath);
    }

    /// <summary>
    /// Stats the mount root. rclone also lists it: rclone 1.60 mounts without asking S3 anything,
    /// so a missing bucket, wrong credentials or an unreachable endpoint show only when it lists,
    /// where they fail with EIO or keep the call waiting past the deadline.
    /// </summary>
    private static bool Probe(MountPlan plan)
    {
        try
        {
            return Directory.Exists(plan.StagingPath)
                && (plan.Mounter.Kind != Config.MounterKind.Rclone || ListsRoot(plan.StagingPath));
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    // Reads the first directory entry, which makes the mounter list the bucket; an error throws.
    private static bool ListsRoot(string path)
    {
        using var entries = Directory.EnumerateFileSystemEntries(path).GetEnumerator();
        entries.MoveNext();
        return true;
    }

    /// <summary>
    /// Makes the child's environment exactly the mounter's: CliWrap starts from a copy of the hook's
    /// own environment, so every variable of the hook that the mounter does not get is removed.
    /// </summary>
    private static void ExactEnvironment(
        CliWrap.Builders.EnvironmentVariablesBuilder variables,
        MounterEnvironment environment
    )
    {
        var mounterVariables = environment.Reveal();
        foreach (var name in Environment.GetEnvironmentVariables().Keys.Cast<string>())
        {
            if (!mounterVariables.ContainsKey(name))
            {
                variables.Set(name, null);
            }
        }

        foreach (var (name, value) in mounterVariables)
        {
            variables.Set(name, value);
        }
    }

    private static Error TimedOut(
        MountPlan plan,
        CommandTask<CommandResult> execution,
        CancellationTokenSource cancellation,
        StringBuilder launcherOutput
    )
    {
        Stop(execution, cancellation);
        var log = MessageFrom(plan, launcherOutput);
        return HookError.New(
            HookErrorCode.MounterTimedOut,
            $"{Name(plan)} did not mount bucket {plan.Location.Bucket} within {plan.Timeout.TotalSeconds:0} s and was stopped{log}; check that the endpoint is reachable and the bucket exists"
        );
    }

    private static void Stop(
        CommandTask<CommandResult> execution,
        CancellationTokenSource cancellation
    )
    {
        // Cancelling makes CliWrap kill the process; the mounter runs in the foreground, so that is
        // the mounter itself.
        cancellation.Cancel();
        WaitQuietly(execution.Task, KillGrace);
    }

    private static Error Failed(MountPlan plan, string what, StringBuilder launcherOutput)
    {
        var code = launcherOutput
            .ToString()
            .Contains("cannot start the mounter", StringComparison.Ordinal)
            ? HookErrorCode.MounterNotFound
            : HookErrorCode.MounterFailed;
        return HookError.New(code, $"{Name(plan)} {what}{MessageFrom(plan, launcherOutput)}");
    }

    private static string MessageFrom(MountPlan plan, StringBuilder launcherOutput)
    {
        var text = launcherOutput + ReadLog(plan.LogPath);
        var lines = text.Split(
            '\n',
            StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries
        );
        var tail = string.Join(" | ", lines.TakeLast(3));
        if (tail.Length == 0)
        {
            return "";
        }

        tail = Redactor.For(plan.Mounter).Apply(tail);
        tail = new string(tail.Select(c => char.IsControl(c) ? ' ' : c).ToArray());
        return tail.Length <= MaxMessageLength ? $": {tail}" : $": ...{tail[^MaxMessageLength..]}";
    }

    private static string ReadLog(string path)
    {
        try
        {
            using var file = File.OpenRead(path);
            var start = Math.Max(0, file.Length - 16 * 1024);
            file.Seek(start, SeekOrigin.Begin);
            using var reader = new StreamReader(file);
            return reader.ReadToEnd();
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    private static string Name(MountPlan plan) => $"mounter {plan.Mounter.Program}";

    private static void WaitQuietly(Task task, TimeSpan timeout)
    {
        try
        {
            task.Wait(timeout);
        }
        catch (AggregateException)
        {
            // A cancelled or failed execution is examined by the caller through the task's state.
        }
    }
}
