using S3MountHook.Config;

namespace S3MountHook.Activation;

/// <summary>The gate's decision and the reason for it, shown by --explain and in the log.</summary>
internal sealed record Activation(bool Active, string Reason);

/// <summary>Decides whether a container asked for a mount.</summary>
internal static class ActivationGate
{
    /// <summary>
    /// Returns active only when the variable named by <c>activation_flag</c> is exactly "true",
    /// as the Go hook did: any other value, or none, leaves the container untouched.
    /// </summary>
    public static Activation Decide(HookConfig config, ContainerEnvironment environment)
    {
        var flag = config.ActivationFlag;
        return environment.Get(flag) switch
        {
            null => new Activation(false, $"{flag} is not set in the container environment"),
            "true" => new Activation(true, $"{flag}=true in the container environment"),
            _ => new Activation(false, $"{flag} is set but not to \"true\""),
        };
    }
}
