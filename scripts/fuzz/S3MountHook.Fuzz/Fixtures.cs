using System.Collections.Immutable;
using S3MountHook.Activation;
using S3MountHook.Bundle;
using S3MountHook.Config;
using S3MountHook.State;

namespace S3MountHook.Fuzz;

/// <summary>Fixed, valid inputs that a target combines with the one input it fuzzes.</summary>
internal static class Fixtures
{
    /// <summary>A prestart state of a running runc container.</summary>
    public static OciState State { get; } =
        new(
            "1.2.0",
            "fuzz-container-0123456789abcdef",
            "created",
            4242,
            "/run/fuzz/bundle",
            ImmutableDictionary<string, string>.Empty
        );

    /// <summary>A container environment that requests a mount with static credentials.</summary>
    public static ContainerEnvironment Environment { get; } =
        ContainerEnvironment.Parse([
            "S3_MOUNT=true",
            "S3_BUCKET=fuzz-bucket",
            "S3_PREFIX=data/",
            "S3_ENDPOINT_URL=http://s3.fuzz.invalid:9000",
            "AWS_REGION=eu-west-1",
            "AWS_ACCESS_KEY_ID=AKIAFUZZACCESSKEY000",
            "AWS_SECRET_ACCESS_KEY=fuzzSecretAccessKey0000000000000000000000",
        ]);

    /// <summary>
    /// One config per mounter, with and without instance credentials, so that each input
    /// reaches every argv builder and both credential rules.
    /// </summary>
    public static IEnumerable<HookConfig> Configs()
    {
        foreach (var mounter in Enum.GetValues<MounterKind>())
        {
            foreach (var instanceCredentials in new[] { false, true })
            {
                yield return HookConfig.Defaults with
                {
                    ActivationFlag = "S3_MOUNT",
                    ProgramPath = "/usr/bin/mounter",
                    Mounter = mounter,
                    AllowInstanceCredentials = instanceCredentials,
                    ReadOnly = instanceCredentials,
                };
            }
        }
    }

    /// <summary>A bundle spec for a non-root user with the given environment.</summary>
    public static BundleSpec Spec(ContainerEnvironment environment) =>
        new(
            "/run/fuzz/bundle/rootfs",
            false,
            environment,
            1000,
            1000,
            ImmutableDictionary<string, string>.Empty,
            null
        );
}
