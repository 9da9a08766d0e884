using LanguageExt;
using S3MountHook.Bundle;
using S3MountHook.Config;
using S3MountHook.Plan;
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
        EffMaybe(() => ConfigReader.Read(context.Invocation.ConfigPath).Match(
            Succ: config => FinSucc(Some(config)),
            Fail: error =>
            {
                if (spec.Environment.Get(PlanBuilder.BucketVariable) is not null || context.Invocation.Explain)
                {
                    return FinFail<Option<HookConfig>>(error);
                }

                context.Log.Error("config-invalid", ("error", error.Message));
                return FinSucc(Option<HookConfig>.None);
            }));

    /// <summary>
    /// The config for poststop: the file when it is valid, else the defaults, so that cleanup still
    /// finds the records under the default state directory.
    /// </summary>
    public static HookConfig ForCleanup(HookContext context) =>
        ConfigReader.Read(context.Invocation.ConfigPath).Match(
            Succ: config => config,
            Fail: error =>
            {
                context.Log.Error("config-invalid", ("error", error.Message));
                return HookConfig.Defaults;
            });
}
