using System.Collections.Immutable;
using System.Text;
using S3MountHook.Activation;
using S3MountHook.Bundle;
using S3MountHook.Config;
using S3MountHook.State;

namespace S3MountHook.Fuzz;

/// <summary>
/// The fuzz targets. Each one feeds the input to a parser or to the plan builder and throws
/// <see cref="FuzzBugException"/> when an invariant in <see cref="Invariants"/> breaks. Any other
/// exception that escapes is a bug too.
/// </summary>
internal static class Targets
{
    /// <summary>Path given to the config parser, which uses it only in messages.</summary>
    private const string ConfigPath = "/fuzz/mountpoint_hookconfig.json";

    private const string BundlePath = "/run/fuzz/bundle";

    /// <summary>Order of the NUL-separated fields of the argv target's input.</summary>
    private static readonly string[] ArgvFields =
    [
        "S3_BUCKET",
        "S3_PREFIX",
        "S3_ENDPOINT_URL",
        "AWS_REGION",
        "CONTAINER_MOUNTPOINT",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ];

    private static readonly Dictionary<string, Action<byte[]>> ByName = new(StringComparer.Ordinal)
    {
        ["state"] = State,
        ["config"] = Config,
        ["spec"] = Spec,
        ["env"] = Env,
        ["argv"] = Argv,
    };

    /// <summary>Target names, in the order replay runs them.</summary>
    public static IReadOnlyList<string> Names { get; } = ["state", "config", "spec", "env", "argv"];

    /// <summary>Returns the target with the given name, or null when there is none.</summary>
    public static Action<byte[]>? Find(string name) => ByName.GetValueOrDefault(name);

    /// <summary>Runs OciState.Parse on the raw bytes, then builds a plan from an accepted state.</summary>
    private static void State(byte[] input)
    {
        var parsed = OciState.Parse(input);
        _ = parsed.Match(
            Succ: state =>
            {
                Invariants.StateAccepted(state);
                foreach (var config in Fixtures.Configs())
                {
                    Invariants.Plan(config, state, Fixtures.Spec(Fixtures.Environment));
                }
            },
            Fail: error => Invariants.Error("OciState.Parse", error)
        );
    }

    /// <summary>Runs ConfigReader.Parse on the raw bytes, then builds a plan with an accepted config.</summary>
    private static void Config(byte[] input)
    {
        var parsed = ConfigReader.Parse(ConfigPath, input);
        _ = parsed.Match(
            Succ: config =>
            {
                Invariants.ConfigAccepted(config);
                Invariants.Plan(config, Fixtures.State, Fixtures.Spec(Fixtures.Environment));
            },
            Fail: error => Invariants.Error("ConfigReader.Parse", error)
        );
    }

    /// <summary>Runs BundleSpec.Parse on the raw bytes, then builds a plan for every mounter from an accepted spec.</summary>
    private static void Spec(byte[] input)
    {
        var parsed = BundleSpec.Parse(BundlePath, BundlePath + "/config.json", input);
        _ = parsed.Match(
            Succ: spec =>
            {
                Invariants.SpecAccepted(spec);
                foreach (var config in Fixtures.Configs())
                {
                    Invariants.Plan(config, Fixtures.State, spec);
                }
            },
            Fail: error => Invariants.Error("BundleSpec.Parse", error)
        );
    }

    /// <summary>
    /// Runs ContainerEnvironment.Parse on NUL-separated NAME=VALUE entries, checked against a plain
    /// dictionary model, then PlanBuilder.Build for every mounter.
    /// </summary>
    private static void Env(byte[] input)
    {
        var entries = Encoding.UTF8.GetString(input).Split('\0');
        var environment = ContainerEnvironment.Parse(entries);
        Invariants.EnvironmentMatchesModel(entries, environment);
        foreach (var config in Fixtures.Configs())
        {
            Invariants.Plan(config, Fixtures.State, Fixtures.Spec(environment));
        }
    }

    /// <summary>
    /// Splits the input at NUL into the values of <see cref="ArgvFields"/>, in that order, and
    /// builds and prints the plan for every mounter. A missing field leaves its variable unset.
    /// </summary>
    private static void Argv(byte[] input)
    {
        var values = Encoding.UTF8.GetString(input).Split('\0');
        var variables = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        variables["S3_MOUNT"] = "true";
        for (var index = 0; index < Math.Min(values.Length, ArgvFields.Length); index++)
        {
            variables[ArgvFields[index]] = values[index];
        }

        var environment = new ContainerEnvironment(variables.ToImmutable());
        foreach (var config in Fixtures.Configs())
        {
            Invariants.Plan(config, Fixtures.State, Fixtures.Spec(environment));
        }
    }
}
