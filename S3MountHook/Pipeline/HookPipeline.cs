using LanguageExt;
using S3MountHook.Bundle;
using S3MountHook.CommandLine;
using S3MountHook.Config;
using S3MountHook.Errors;
using S3MountHook.Explain;
using S3MountHook.Lifecycle;
using S3MountHook.Native;
using S3MountHook.Plan;
using S3MountHook.State;
using static LanguageExt.Prelude;

namespace S3MountHook.Pipeline;

/// <summary>
/// The hook as one composed effect: parse the state, read the bundle, resolve the config, gate on
/// the activation flag, build the plan, start the mounter, attach the mount. <c>Program.Main</c> runs
/// it once and maps the single result to the exit code.
/// </summary>
internal static class HookPipeline
{
    // poststop waits this long for a prestart of the same container, then cleans up regardless.
    private static readonly TimeSpan CleanupLockTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The whole run for one invocation.</summary>
    public static Eff<HookOutcome> Run(HookContext context) =>
        from state in Stages.ParseState(context)
        from _ in NameContainer(context, state)
        from stage in Stages.ChooseStage(context.Invocation, state)
        from _2 in NameStage(context, stage)
        from outcome in stage == HookStage.Poststop
            ? Poststop(context, state)
            : Prestart(context, state, stage)
        select outcome;

    private static Eff<HookOutcome> Prestart(
        HookContext context,
        OciState state,
        HookStage stage
    ) =>
        from read in Eff(() => BundleSpec.Read(state.Bundle))
        from outcome in read.Match(
            Succ: spec => Resolved(context, state, stage, spec),
            Fail: error => ConfigPolicy.UnreadableBundle(context, state, error)
        )
        select outcome;

    private static Eff<HookOutcome> Resolved(
        HookContext context,
        OciState state,
        HookStage stage,
        BundleSpec spec
    ) =>
        from resolved in ConfigPolicy.Resolve(context, spec)
        from outcome in resolved.Match(
            Some: config => Gated(context, state, stage, spec, config),
            None: () =>
                SuccessEff(
                    HookOutcome.Skipped(
                        "the hook config is invalid and the container sets no S3_BUCKET"
                    )
                )
        )
        select outcome;

    private static Eff<HookOutcome> Gated(
        HookContext context,
        OciState state,
        HookStage stage,
        BundleSpec spec,
        HookConfig config
    ) =>
        from _ in UseConfiguredLog(context, config)
        from activation in Stages.Gate(config, spec)
        from outcome in !activation.Active
            ? SuccessEff(
                context.Invocation.Explain
                    ? HookOutcome.Explained(
                        PlanPrinter.Skipped(context.Invocation, stage, state, activation)
                    )
                    : HookOutcome.Skipped(activation.Reason)
            )
            : Activated(context, state, stage, spec, config, activation)
        select outcome;

    private static Eff<HookOutcome> Activated(
        HookContext context,
        OciState state,
        HookStage stage,
        BundleSpec spec,
        HookConfig config,
        Activation.Activation activation
    ) =>
        context.Invocation.Explain
            ? Stages
                .BuildPlan(config, state, spec)
                .Map(plan =>
                    HookOutcome.Explained(
                        PlanPrinter.Mount(context.Invocation, stage, config, activation, plan)
                    )
                )
            : FailurePolicyFor(context, config, Mount(context, state, spec, config));

    /// <summary>
    /// The mount itself, under the container's lock, with every created thing registered for
    /// rollback until it all succeeded. A second prestart for a container whose mount is alive
    /// succeeds without doing anything; leftovers of an earlier run for the same id go first.
    /// </summary>
    private static Eff<HookOutcome> Mount(
        HookContext context,
        OciState state,
        BundleSpec spec,
        HookConfig config
    ) =>
        from plan in Stages.BuildPlan(config, state, spec)
        from _ in EffMaybe(() =>
            Directories.EnsurePrivate(Path.GetDirectoryName(plan.ContainerDirectory)!)
        )
        from outcome in EffMaybe(() =>
            ContainerLock
                .Acquire(plan.ContainerDirectory, plan.Timeout)
                .Bind(containerLock =>
                {
                    using (containerLock)
                    {
                        // The lock file goes with the lock: a mounted container is found by its directory,
                        // and a failed one must leave no file behind.
                        var result = MountLocked(context, config, plan);
                        containerLock.RemoveFile();
                        return result;
                    }
                })
        )
        select outcome;

    private static Fin<HookOutcome> MountLocked(
        HookContext context,
        HookConfig config,
        MountPlan plan
    )
    {
        var existing = ManagedMounts.Inspect(plan.ContainerDirectory);
        var sameContainer =
            existing.Record is null
            || ProcessIdentity.Of(plan.ContainerPid) is { } current
                && current == existing.Record.ContainerProcess;
        if (!sameContainer && existing.Record!.ContainerProcess.IsAlive())
        {
            // Runtimes keep ids unique among live containers. Two at once means that two runtimes or
            // state roots share this hook's state directory, so the other container's mount must stay.
            return FinFail<HookOutcome>(
                HookError.New(
                    HookErrorCode.ContainerIdInvalid,
                    $"container id {plan.ContainerId} already has a mount for another running container (pid {existing.Record.ContainerPid}); give each container its own id"
                )
            );
        }

        if (existing.Health == MountHealth.Alive && sameContainer)
        {
            return new HookOutcome(
                "already-mounted",
                $"bucket {existing.Record!.Bucket} is already mounted for this container; nothing to do",
                []
            );
        }

        if (Path.Exists(plan.ContainerDirectory) || Path.Exists(plan.StagingPath))
        {
            foreach (var failure in Cleanup.Container(plan.ContainerDirectory, plan.StagingPath))
            {
                context.Log.Error("cleanup-failed", ("error", failure.Message));
            }
        }

        ManagedMounts.Sweep(config, context.Log);
        return MountFresh(context, config, plan);
    }

    private static Fin<HookOutcome> MountFresh(
        HookContext context,
        HookConfig config,
        MountPlan plan
    )
    {
        var rollback = new Rollback();
        var steps =
            from _0 in Stages.CheckMounterProgram(plan)
            from _00 in Stages.CheckContainerProcess(plan)
            from _1 in Stages.PrepareDirectories(config, plan, rollback)
            from _2 in Stages.WriteCredentialFiles(plan, rollback)
            from _3 in Stages.CheckInterruption(context)
            from mounter in Stages.ExecMounter(context, plan, rollback)
            from record in Stages.WriteRecord(plan, mounter)
            from _4 in Stages.CheckInterruption(context)
            from attached in Stages.AttachMount(plan)
            select new HookOutcome(
                "mounted",
                $"bucket {plan.Location.Bucket} mounted at {attached.ResolvedTarget} by {plan.Mounter.Kind.Name()} pid {mounter.Pid}, attached {(attached.Method == "after-pivot-root" ? "after" : "before")} the container's pivot_root",
                []
            );
        var result = steps.Run();
        result.IfFail(_ => Undo(context, rollback));
        result.IfSucc(_ => rollback.Commit());
        return result;
    }

    private static void Undo(HookContext context, Rollback rollback)
    {
        foreach (var failure in rollback.Run())
        {
            context.Log.Error("rollback-failed", ("error", failure.Message));
        }
    }

    /// <summary>
    /// Applies on_failure: with "continue", a failed mount (already rolled back) is logged and the
    /// container starts without the bucket.
    /// </summary>
    private static Eff<HookOutcome> FailurePolicyFor(
        HookContext context,
        HookConfig config,
        Eff<HookOutcome> mount
    ) =>
        config.OnFailure == FailurePolicy.Fail
            ? mount
            : EffMaybe(() =>
                mount
                    .Run()
                    .Match(Succ: FinSucc, Fail: error =>
                    {
                        context.Log.Error("mount-failed-continuing", ("error", error.Message));
                        return FinSucc(
                            HookOutcome.Skipped(
                                $"mount failed and on_failure is \"continue\": {error.Message}"
                            )
                        );
                    })
            );

    private static Eff<HookOutcome> Poststop(HookContext context, OciState state) =>
        from id in EffMaybe(() => InputRules.ContainerId(state.Id))
        from config in EffMaybe(() => FinSucc(ConfigPolicy.ForCleanup(context)))
        from _ in UseConfiguredLog(context, config)
        from outcome in context.Invocation.Explain
            ? SuccessEff(HookOutcome.Explained(PlanPrinter.Cleanup(context.Invocation, config, id)))
            : EffMaybe(() => CleanUp(context, config, id))
        select outcome;

    private static Fin<HookOutcome> CleanUp(HookContext context, HookConfig config, string id)
    {
        var directory = PlanBuilder.ContainerDirectory(config, id);
        var staging = Path.Join(
            config.HostMountpoint.Length > 0 ? config.HostMountpoint : config.StateDirectory,
            id
        );
        if (!Path.Exists(directory) && !Path.Exists(staging))
        {
            return HookOutcome.Skipped("nothing to clean up");
        }

        if (
            ContainerRecord
                .Read(directory)
                .Map(found => found.Exists(record => record.ContainerProcess.IsAlive()))
                .IfFail(false)
        )
        {
            // The runtime calls poststop after the container's init has exited. A live init here is
            // another container that uses the same id, so its mount must stay.
            context.Log.Error(
                "poststop-skipped",
                (
                    "error",
                    $"the record of container {id} names a container process that still runs; left in place"
                )
            );
            return HookOutcome.Skipped("the recorded container still runs");
        }

        using var containerLock = ContainerLock
            .Acquire(directory, CleanupLockTimeout)
            .IfFail(_ => null!);
        if (containerLock is null)
        {
            context.Log.Error(
                "lock-timeout",
                (
                    "error",
                    $"another hook containerLock the lock of container {id} for {CleanupLockTimeout.TotalSeconds:0} s; cleaning up regardless"
                )
            );
        }

        var failures = Cleanup.Container(directory, staging);
        foreach (var failure in failures)
        {
            context.Log.Error("cleanup-failed", ("error", failure.Message));
        }

        containerLock?.RemoveFile();
        if (failures.Count > 0)
        {
            return FinFail<HookOutcome>(
                HookError.New(
                    HookErrorCode.CleanupIncomplete,
                    $"cleanup of container {id} is incomplete: {failures[0].Message}; run \"s3mounthook gc\" once the cause is fixed"
                )
            );
        }

        return new HookOutcome(
            "cleaned",
            $"removed the mount, mounter and files of container {id}",
            []
        );
    }

    private static Eff<Unit> NameContainer(HookContext context, OciState state) =>
        Eff(() =>
        {
            context.Log.ContainerId = state.Id;
            return unit;
        });

    private static Eff<Unit> NameStage(HookContext context, HookStage stage) =>
        Eff(() =>
        {
            context.Log.Stage = stage.Name();
            return unit;
        });

    private static Eff<Unit> UseConfiguredLog(HookContext context, HookConfig config) =>
        Eff(() =>
        {
            if (!context.Invocation.Explain && context.Invocation.LogPath is null)
            {
                context.Log.Path = config.LogPath;
            }

            return unit;
        });
}
