using S3MountHook.Activation;
using S3MountHook.CommandLine;
using S3MountHook.Config;
using S3MountHook.Plan;
using S3MountHook.State;

namespace S3MountHook.Explain;

/// <summary>
/// The text of --explain: what the hook would do, line by line. It shows argv and variable names
/// but never a variable's value or a credential file's contents.
/// </summary>
internal static class PlanPrinter
{
    /// <summary>Lines for a container that did not ask for a mount.</summary>
    public static IReadOnlyList<string> Skipped(
        Invocation invocation,
        HookStage stage,
        OciState state,
        Activation.Activation activation
    ) =>
        [
            $"stage: {stage.Name()}",
            $"container: {state.Id}",
            $"config: {invocation.ConfigPath}",
            $"activation: no ({activation.Reason})",
            "actions: none; the container starts untouched",
        ];

    /// <summary>Lines for a mount.</summary>
    public static IReadOnlyList<string> Mount(
        Invocation invocation,
        HookStage stage,
        HookConfig config,
        Activation.Activation activation,
        MountPlan plan
    )
    {
        var mounter = plan.Mounter;
        var lines = new List<string>
        {
            $"stage: {stage.Name()}",
            $"container: {plan.ContainerId} (pid {plan.ContainerPid})",
            $"config: {invocation.ConfigPath}",
            $"activation: yes ({activation.Reason})",
            $"bucket: {plan.Location.Bucket}"
                + (plan.Location.Prefix.Length > 0 ? $", prefix {plan.Location.Prefix}" : ""),
            $"mounter: {mounter.Kind.Name()} ({mounter.Program})",
            $"argv: {string.Join(' ', new[] { mounter.Program }.Concat(mounter.Arguments).Select(Quote))}",
            $"environment (names only): {string.Join(' ', mounter.Environment.Names)}",
        };
        lines.AddRange(
            mounter.Files.Select(file =>
                $"credential file: {file.Path} (mode 0600, contents not shown)"
            )
        );
        lines.AddRange([
            $"state directory: {plan.ContainerDirectory} (mode 0700; record, mounter log)",
            $"staging mount: {plan.StagingPath} (mode 0700, host only)",
            $"target: {plan.Target} (from {plan.TargetSource}) inside container root {plan.RootPath}",
            $"attach: clone the staging mount (open_tree), enter the mount namespace of pid {plan.ContainerPid}, resolve the target inside the container root (openat2 RESOLVE_IN_ROOT, creating missing directories), move_mount onto it"
                + (plan.ReadOnly ? ", read-only" : ""),
            $"deadline: {plan.Timeout.TotalSeconds:0} s, then the mounter is stopped and everything is rolled back",
            $"on failure: {(config.OnFailure == FailurePolicy.Fail ? "exit 1, so the container does not start" : "roll back, log, and start the container without the bucket")}",
        ]);
        return lines;
    }

    /// <summary>Lines for poststop.</summary>
    public static IReadOnlyList<string> Cleanup(
        Invocation invocation,
        HookConfig config,
        string containerId
    ) =>
        [
            "stage: poststop",
            $"container: {containerId}",
            $"config: {invocation.ConfigPath}",
            $"actions: detach the mount at {Path.Join(config.HostMountpoint, containerId)}, stop the mounter named in {Path.Join(PlanBuilder.ContainerDirectory(config, containerId), "record.json")} (matched by pid and start time), remove {PlanBuilder.ContainerDirectory(config, containerId)}",
        ];

    private static string Quote(string argument) =>
        argument.Length > 0
        && argument.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=,@+".Contains(c))
            ? argument
            : "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
