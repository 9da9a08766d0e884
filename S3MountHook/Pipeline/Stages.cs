using LanguageExt;
using S3MountHook.Activation;
using S3MountHook.Attach;
using S3MountHook.Bundle;
using S3MountHook.CommandLine;
using S3MountHook.Config;
using S3MountHook.Errors;
using S3MountHook.Exec;
using S3MountHook.Lifecycle;
using S3MountHook.Native;
using S3MountHook.Plan;
using S3MountHook.State;
using static LanguageExt.Prelude;

namespace S3MountHook.Pipeline;

/// <summary>
/// The pipeline's stages, each a small effect that does one thing. The pure ones (parse, resolve,
/// gate, plan) touch nothing outside the process; the others register their undo steps with the
/// run's <see cref="Rollback"/>.
/// </summary>
internal static class Stages
{
    /// <summary>Parses the OCI state from stdin.</summary>
    public static Eff<OciState> ParseState(HookContext context) =>
        EffMaybe(() => OciState.Parse(context.Stdin));

    /// <summary>
    /// Picks the stage: the one named in argv, else the state's status ("creating" means prestart,
    /// "stopped" poststop), as hooks.d entries often pass no argument.
    /// </summary>
    public static Eff<HookStage> ChooseStage(Invocation invocation, OciState state) =>
        EffMaybe(() =>
            invocation.Stage is { } stage
                ? stage
                : state.Status switch
                {
                    "creating" or "created" => FinSucc(HookStage.Prestart),
                    "stopped" => FinSucc(HookStage.Poststop),
                    _ => FinFail<HookStage>(
                        HookError.New(
                            HookErrorCode.UsageInvalid,
                            $"no stage given and the state's status \"{InputRules.Shorten(state.Status)}\" names none; pass prestart, createRuntime or poststop as the hook's argument"
                        )
                    ),
                }
        );

    /// <summary>Reads the hook config file.</summary>
    public static Eff<HookConfig> ResolveConfig(Invocation invocation) =>
        EffMaybe(() => ConfigReader.Read(invocation.ConfigPath));

    /// <summary>Decides whether the container asked for a mount.</summary>
    public static Eff<Activation.Activation> Gate(HookConfig config, BundleSpec spec) =>
        SuccessEff(ActivationGate.Decide(config, spec.Environment));

    /// <summary>Builds the mounter's argv and environment, the paths and the target.</summary>
    public static Eff<MountPlan> BuildPlan(HookConfig config, OciState state, BundleSpec spec) =>
        EffMaybe(() => PlanBuilder.Build(config, state, spec));

    /// <summary>Fails with <see cref="HookErrorCode.Interrupted"/> once SIGTERM or SIGINT has arrived.</summary>
    public static Eff<Unit> CheckInterruption(HookContext context) =>
        EffMaybe(() =>
            context.Interruption.IsCancellationRequested
                ? FinFail<Unit>(
                    HookError.New(
                        HookErrorCode.Interrupted,
                        "the hook was interrupted by a signal and rolled back"
                    )
                )
                : unit
        );

    /// <summary>Creates the container's state directory and staging directory, both 0700.</summary>
    public static Eff<Unit> PrepareDirectories(
        HookConfig config,
        MountPlan plan,
        Rollback rollback
    ) =>
        EffMaybe(() =>
            from _1 in Directories.EnsurePrivate(Path.GetDirectoryName(plan.ContainerDirectory)!)
            from _2 in Directories.EnsurePrivate(config.HostMountpoint)
            from _3 in Directories.CreateFresh(
                plan.ContainerDirectory,
                rollback,
                recursiveUndo: true
            )
            from _4 in Directories.CreateFresh(plan.StagingPath, rollback, recursiveUndo: false)
            select unit
        );

    /// <summary>Writes the mounter's credential files, 0600, refusing to reuse an existing file.</summary>
    public static Eff<Unit> WriteCredentialFiles(MountPlan plan, Rollback rollback) =>
        EffMaybe(() =>
            plan.Mounter.Files.Fold(FinSucc(unit), (result, file) =>
                result.Bind(_ => Directories.WriteSecretFile(file, rollback))
            )
        );

    /// <summary>
    /// Checks that the state's pid is a running process in a mount namespace of its own. A pid in
    /// the hook's own namespace is no container: attaching there would mount onto the host.
    /// </summary>
    public static Eff<Unit> CheckContainerProcess(MountPlan plan) =>
        EffMaybe(() =>
        {
            var pid = plan.ContainerPid;
            var container = NamespaceOf($"/proc/{pid}/ns/mnt");
            if (container is null)
            {
                return FinFail<Unit>(
                    HookError.New(
                        HookErrorCode.StateInvalid,
                        $"container process {pid} from the OCI state is not running; the container exited before its prestart hook ran"
                    )
                );
            }

            return container == NamespaceOf("/proc/self/ns/mnt")
                ? FinFail<Unit>(
                    HookError.New(
                        HookErrorCode.StateInvalid,
                        $"process {pid} from the OCI state shares the hook's mount namespace, so it is not a container; run the hook from an OCI runtime"
                    )
                )
                : unit;
        });

    // The namespace link reads "mnt:[INODE]"; equal text means the same namespace (namespaces(7)).
    private static string? NamespaceOf(string link)
    {
        try
        {
            return new FileInfo(link).LinkTarget;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Checks that the mounter binary exists and only root (or the hook's own user) can change it.</summary>
    public static Eff<Unit> CheckMounterProgram(MountPlan plan) =>
        EffMaybe(() => FileTrust.CheckPath(plan.Mounter.Program, "mounter program"));

    /// <summary>Starts the mounter through CliWrap and waits for its mount.</summary>
    public static Eff<ProcessIdentity> ExecMounter(
        HookContext context,
        MountPlan plan,
        Rollback rollback
    ) =>
        EffMaybe(() =>
        {
            // Registered before the start: a mounter that mounted and then failed readiness must go too.
            rollback.Register($"mount at {plan.StagingPath}", () =>
                Cleanup.UnmountAll(plan.StagingPath)
            );
            var started = MounterRunner.Start(plan, context.Interruption);

            // Unmount first: a FUSE mounter exits by itself once its mount is gone.
            started.IfSucc(process =>
                rollback.Register($"mounter pid {process.Pid}", () =>
                    Cleanup.UnmountAll(plan.StagingPath).Bind(_ => Cleanup.StopMounter(process))
                )
            );
            return started;
        });

    /// <summary>Writes the state record that poststop and the sweep rely on.</summary>
    public static Eff<ContainerRecord> WriteRecord(MountPlan plan, ProcessIdentity mounter) =>
        EffMaybe(() =>
        {
            // A container whose init already exited gets start time 0, which no live process has.
            var container = ProcessIdentity.Of(plan.ContainerPid);
            var record = new ContainerRecord(
                ContainerRecord.CurrentVersion,
                plan.ContainerId,
                plan.ContainerPid,
                container?.StartTime ?? 0,
                plan.Mounter.Kind.Name(),
                plan.Mounter.Program,
                mounter.Pid,
                mounter.StartTime,
                plan.ContainerDirectory,
                plan.StagingPath,
                plan.Target,
                plan.Location.Bucket,
                plan.Location.Prefix,
                [.. plan.Mounter.Files.Select(file => file.Path)],
                DateTimeOffset.UtcNow
            );
            return record.Write().Map(_ => record);
        });

    /// <summary>Makes the mount visible at the target inside the container.</summary>
    public static Eff<AttachResult> AttachMount(MountPlan plan) =>
        EffMaybe(() =>
            MountAttacher.Attach(
                new AttachRequest(
                    plan.ContainerPid,
                    plan.RootPath,
                    plan.Target,
                    plan.StagingPath,
                    plan.ReadOnly
                )
            )
        );
}
