using LanguageExt;
using S3MountHook.Bundle;
using S3MountHook.Config;
using S3MountHook.Plan;
using S3MountHook.State;
using static LanguageExt.Prelude;

namespace S3MountHook.Pipeline;

/// <summary>
/// What a broken hook config means. The hook runs for every container, so a bad config file must
/// not stop containers that never asked for a mount. Without a readable config the activation flag
/// is unknown. The hook therefore fails only containers that set S3_BUCKET, which every mount
/// needs, and lets the others start, logging the config error.
/// </summary>
internal static class ConfigPolicy
{
    /// <summary>Returns the config, None to let the container start untouched, or the config error.</summary>
    public static Eff<Option<HookConfig>> Resolve(HookContext context, BundleSpec spec) =>
        EffMaybe(() =>
            ConfigReader
                .Read(context.Invocation.ConfigPath)
                .Match(
                    Succ: config => FinSucc(Some(config)),
                    Fail: error =>
                    {
                        if (
                            spec.Environment.Get(PlanBuilder.BucketVariable) is not null
                            || context.Invocation.Explain
                        )
                        {
                            return FinFail<Option<HookConfig>>(error);
                        }

                        context.Log.Error("config-invalid", ("error", error.Message));
                        return FinSucc(Option<HookConfig>.None);
                    }
                )
        );

    /// <summary>
    /// Decides what an unreadable bundle config.json means. The hook runs for every container, and
    /// a spec it cannot parse (too large, nested deeper than the parser allows, an odd value type)
    /// must not stop a container that never asked for a mount. The raw bytes are searched for the
    /// activation entry ("FLAG=true" as a JSON string, or "S3_BUCKET=" without a config): the
    /// container fails with the spec error only when they contain it.
    /// </summary>
    public static Eff<HookOutcome> UnreadableBundle(
        HookContext context,
        OciState state,
        LanguageExt.Common.Error specError
    ) =>
        EffMaybe(() =>
        {
            var needle = ConfigReader
                .Read(context.Invocation.ConfigPath)
                .Match(
                    Succ: config => $"\"{config.ActivationFlag}=true\"",
                    Fail: _ => PlanBuilder.BucketVariable + "="
                );
            return RawSpecContains(state.Bundle, needle)
                ? FinFail<HookOutcome>(specError)
                : FinSucc(
                    HookOutcome.Skipped(
                        "the bundle config cannot be parsed and does not ask for a mount"
                    )
                );
        });

    // The most of an unparsable config.json searched for the activation entry.
    private const int MaxRawBytes = 64 * 1024 * 1024;

    private static bool RawSpecContains(string bundle, string needle)
    {
        try
        {
            using var file = File.OpenRead(Path.Join(bundle, "config.json"));
            var bytes = new byte[Math.Min(file.Length, MaxRawBytes)];
            file.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
            return bytes.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(needle)) >= 0;
        }
        catch (Exception error)
            when (error is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return false;
        }
    }

    /// <summary>
    /// The config for poststop: the file when it is valid, else the defaults, so that cleanup still
    /// finds the records under the default state directory.
    /// </summary>
    public static HookConfig ForCleanup(HookContext context) =>
        ConfigReader
            .Read(context.Invocation.ConfigPath)
            .Match(
                Succ: config => config,
                Fail: error =>
                {
                    context.Log.Error("config-invalid", ("error", error.Message));
                    return HookConfig.Defaults;
                }
            );
}
