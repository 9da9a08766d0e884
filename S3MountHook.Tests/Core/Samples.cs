using System.Collections.Immutable;
using LanguageExt;
using LanguageExt.Common;
using S3MountHook.Activation;
using S3MountHook.Bundle;
using S3MountHook.Config;
using S3MountHook.Errors;
using S3MountHook.State;
using Xunit;
using Xunit.Sdk;

namespace S3MountHook.Tests.Core;

/// <summary>Inputs shared by the core unit tests: a valid config, state and bundle spec.</summary>
internal static class Samples
{
    public const string AccessKey = "AKIAEXAMPLEKEY000001";
    public const string SecretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    public const string SessionToken = "FwoGZXIvYXdzEXAMPLETOKENvalue0123456789";
    public const string StagingPath = "/run/s3mounthook/mounts/c1";
    public const string ContainerDirectory = "/run/s3mounthook/containers/c1";

    public static HookConfig Config(MounterKind mounter = MounterKind.MountS3) =>
        HookConfig.Defaults with
        {
            ActivationFlag = "S3_MOUNT",
            ProgramPath = "/usr/bin/mounter",
            Mounter = mounter,
            AllowedEndpointHosts = ["127.0.0.1"],
        };

    public static OciState State(int pid = 4242) =>
        new(
            "1.2.0",
            "c1",
            "creating",
            pid,
            "/run/bundles/c1",
            ImmutableDictionary<string, string>.Empty
        );

    public static BundleSpec Spec(
        IEnumerable<string> environment,
        long uid = 1000,
        long gid = 1000,
        int? hookTimeout = null
    ) =>
        new(
            "/run/bundles/c1/rootfs",
            false,
            ContainerEnvironment.Parse(environment),
            uid,
            gid,
            ImmutableDictionary<string, string>.Empty,
            hookTimeout
        );

    /// <summary>A container environment that sets every variable the hook reads, with static keys.</summary>
    public static List<string> Environment(bool sessionToken = false)
    {
        var environment = new List<string>
        {
            "S3_MOUNT=true",
            "S3_BUCKET=my-bucket",
            "S3_PREFIX=team/data",
            "S3_ENDPOINT_URL=http://127.0.0.1:9000",
            "AWS_REGION=eu-west-1",
            $"AWS_ACCESS_KEY_ID={AccessKey}",
            $"AWS_SECRET_ACCESS_KEY={SecretKey}",
        };
        if (sessionToken)
        {
            environment.Add($"AWS_SESSION_TOKEN={SessionToken}");
        }

        return environment;
    }
}

/// <summary>Assertions on <see cref="Fin{A}"/> results.</summary>
internal static class FinAssert
{
    public static T Success<T>(Fin<T> result) =>
        result.Match(
            Succ: value => value,
            Fail: error =>
                throw new XunitException(
                    $"expected success, got error {error.Code}: {error.Message}"
                )
        );

    public static Error Failure<T>(Fin<T> result, HookErrorCode expected)
    {
        var error = result.Match(
            Succ: value => throw new XunitException($"expected {expected}, got success {value}"),
            Fail: e => e
        );
        Assert.Equal(expected, HookError.CodeOf(error));
        return error;
    }
}
