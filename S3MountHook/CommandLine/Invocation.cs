using LanguageExt;
using S3MountHook.Config;
using S3MountHook.Errors;
using static LanguageExt.Prelude;

namespace S3MountHook.CommandLine;

/// <summary>The OCI hook stages the hook runs at.</summary>
internal enum HookStage
{
    /// <summary>Mount and attach (OCI prestart).</summary>
    Prestart,

    /// <summary>Mount and attach (OCI createRuntime); the same work as prestart.</summary>
    CreateRuntime,

    /// <summary>Unmount, stop the mounter and remove everything (OCI poststop).</summary>
    Poststop,
}

/// <summary>The OCI names of the stages, as argv passes them and logs and --explain show them.</summary>
internal static class StageNames
{
    private static readonly (HookStage Stage, string Name)[] Table =
    [
        (HookStage.Prestart, "prestart"),
        (HookStage.CreateRuntime, "createRuntime"),
        (HookStage.Poststop, "poststop"),
    ];

    /// <summary>Returns the OCI name of a stage.</summary>
    public static string Name(this HookStage stage) =>
        Table.First(entry => entry.Stage == stage).Name;

    /// <summary>Returns the stage an OCI name selects, or null for any other text.</summary>
    public static HookStage? Parse(string name) =>
        Table
            .Where(entry => entry.Name == name)
            .Select(entry => (HookStage?)entry.Stage)
            .FirstOrDefault();
}

/// <summary>The command the command line selects.</summary>
internal enum HookCommand
{
    /// <summary>Run a hook stage.</summary>
    Run,

    /// <summary>Print the usage text.</summary>
    Help,

    /// <summary>Print the version.</summary>
    Version,

    /// <summary>List the mounts the hook manages.</summary>
    Status,

    /// <summary>Remove what earlier runs left behind.</summary>
    Gc,
}

/// <summary>
/// A parsed command line. <see cref="Stage"/> is null when argv names no stage; the state's
/// status then decides.
/// </summary>
internal sealed record Invocation(
    HookCommand Command,
    HookStage? Stage,
    string ConfigPath,
    bool Explain,
    string? LogPath,
    bool Json = false
)
{
    /// <summary>The usage text printed by --help.</summary>
    public const string Usage = """
        Usage: s3mounthook [--config PATH] [--log PATH] [--explain] [STAGE]
               s3mounthook [--config PATH] status [--json]
               s3mounthook [--config PATH] gc

        An OCI runtime hook that mounts an S3 bucket into a container that asks for one.
        The runtime writes the container's OCI state to stdin.

        STAGE      prestart, createRuntime or poststop. Without it, the state's status decides:
                   "creating" runs prestart, "stopped" runs poststop.
        status     list the mounts the hook manages: alive, broken or orphaned
        gc         remove mounts, mounters and files whose container is gone
        --json     print status as JSON
        --config   hook config file (default /usr/share/oci/hooks/mountpoint_hookconfig.json)
        --log      log file for this run, overriding log_path from the config
        --explain  print the planned actions and execute nothing
        --help     print this text
        --version  print the version
        """;

    /// <summary>
    /// Parses argv without the program name. runc and hooks.d pass what the operator wrote in
    /// "args"; the Kata agent passes the stage name as the only argument.
    /// </summary>
    public static Fin<Invocation> Parse(IReadOnlyList<string> arguments)
    {
        var invocation = new Invocation(HookCommand.Run, null, HookConfig.DefaultPath, false, null);
        for (var index = 0; index < arguments.Count; index++)
        {
            var argument = arguments[index];
            switch (argument)
            {
                case "--config" or "-c":
                    if (++index >= arguments.Count)
                    {
                        return UsageError($"{argument} needs a file path");
                    }

                    invocation = invocation with { ConfigPath = arguments[index] };
                    break;
                case "--log" or "-l":
                    if (++index >= arguments.Count)
                    {
                        return UsageError($"{argument} needs a file path");
                    }

                    invocation = invocation with { LogPath = arguments[index] };
                    break;
                case "--explain":
                    invocation = invocation with { Explain = true };
                    break;
                case "--json":
                    invocation = invocation with { Json = true };
                    break;
                case "status"
                    when invocation.Command == HookCommand.Run && invocation.Stage is null:
                    invocation = invocation with { Command = HookCommand.Status };
                    break;
                case "gc" when invocation.Command == HookCommand.Run && invocation.Stage is null:
                    invocation = invocation with { Command = HookCommand.Gc };
                    break;
                case "--help" or "-h":
                    return invocation with { Command = HookCommand.Help };
                case "--version" or "-v":
                    return invocation with { Command = HookCommand.Version };
                default:
                    if (
                        invocation.Stage is not null
                        || invocation.Command != HookCommand.Run
                        || StageNames.Parse(argument) is not { } stage
                    )
                    {
                        return UsageError(
                            $"unknown argument \"{Plan.InputRules.Shorten(argument)}\"; expected prestart, createRuntime, poststop or an option (see --help)"
                        );
                    }

                    invocation = invocation with { Stage = stage };
                    break;
            }
        }

        return invocation;
    }

    private static Fin<Invocation> UsageError(string problem) =>
        FinFail<Invocation>(HookError.New(HookErrorCode.UsageInvalid, problem));
}
