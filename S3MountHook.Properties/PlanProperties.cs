using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using S3MountHook.Activation;
using S3MountHook.Bundle;
using S3MountHook.CommandLine;
using S3MountHook.Config;
using S3MountHook.Errors;
using S3MountHook.Explain;
using S3MountHook.Plan;
using S3MountHook.State;
using Xunit;

namespace S3MountHook.Properties;

public sealed class PlanProperties
{
    private static readonly string[] Variables =
    [
        "S3_MOUNT",
        "S3_BUCKET",
        "S3_PREFIX",
        "S3_ENDPOINT_URL",
        "CONTAINER_MOUNTPOINT",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "PATH",
        "LD_PRELOAD",
    ];

    private static readonly Gen<MounterKind> Mounter = Gen.Elements(
        MounterKind.MountS3,
        MounterKind.S3fs,
        MounterKind.Rclone
    );

    private static readonly Gen<bool> Flag = Gen.Elements(true, false);

    /// <summary>An environment entry: mostly a variable the hook reads with a hostile value, sometimes a raw string.</summary>
    private static readonly Gen<string> Entry = Gen.Frequency(
        (
            5,
            from name in Gen.Elements(Variables)
            from value in Hostile.String
            select $"{name}={value}"
        ),
        (
            3,
            Gen.Elements(
                "S3_BUCKET=my-bucket",
                "S3_PREFIX=team/data",
                "S3_ENDPOINT_URL=http://127.0.0.1:9000",
                "AWS_REGION=eu-west-1",
                "AWS_ACCESS_KEY_ID=AKIAEXAMPLE",
                "AWS_SECRET_ACCESS_KEY=secret-example",
                "AWS_SESSION_TOKEN=token-example",
                "CONTAINER_MOUNTPOINT=/data"
            )
        ),
        (1, Hostile.String)
    );

    private static readonly Gen<HookConfig> Config =
        from mounter in Mounter
        from instance in Flag
        from readOnly in Flag
        from allowOther in Flag
        from pathStyle in Flag
        from mountpoint in Gen.Frequency((3, Gen.Constant("/mnt/s3")), (1, Hostile.String))
        from region in Gen.Frequency(
            (2, Gen.Constant<string?>(null)),
            (1, Gen.Constant<string?>("us-east-1")),
            (1, Hostile.String.Select(value => (string?)value))
        )
        from timeout in Gen.Choose(1, 600)
        select HookConfig.Defaults with
        {
            ActivationFlag = "S3_MOUNT",
            ProgramPath = "/usr/bin/mounter",
            Mounter = mounter,
            AllowInstanceCredentials = instance,
            ReadOnly = readOnly,
            AllowOther = allowOther,
            ForcePathStyle = pathStyle,
            ContainerMountpoint = mountpoint,
            DefaultRegion = region,
            MountTimeoutSeconds = timeout,
        };

    private static readonly Gen<OciState> State =
        from id in Gen.Frequency((3, Gen.Constant("c1")), (1, Hostile.String))
        from pid in Gen.Frequency(
            (3, Gen.Choose(1, 100000)),
            (1, Gen.Elements(0, -1, int.MaxValue, int.MinValue))
        )
        select new OciState(
            "1.2.0",
            id,
            "creating",
            pid,
            "/run/bundles/c1",
            ImmutableDictionary<string, string>.Empty
        );

    private static readonly Gen<long> Owner = Gen.Frequency(
        (3, Gen.Choose(0, 70000).Select(value => (long)value)),
        (1, Gen.Elements(-1L, long.MaxValue, long.MinValue, uint.MaxValue))
    );

    private static readonly Gen<BundleSpec> Spec =
        from entries in Gen.ListOf(Entry)
        from uid in Owner
        from gid in Owner
        from hookTimeout in Gen.Frequency(
            (2, Gen.Constant<int?>(null)),
            (1, Gen.Choose(-5, 700).Select(value => (int?)value))
        )
        select new BundleSpec(
            "/run/bundles/c1/rootfs",
            false,
            ContainerEnvironment.Parse(entries),
            uid,
            gid,
            ImmutableDictionary<string, string>.Empty,
            hookTimeout
        );

    /// <summary>
    /// A credential of at least 8 characters: hostile text around a canary that appears nowhere
    /// else, so that finding the canary anywhere means the credential leaked. Control characters
    /// are dropped because the hook rejects them before any mounter receives the value.
    /// </summary>
    private static Gen<string> Credential(string canary) =>
        from before in Hostile.Short
        from after in Hostile.Short
        select new string((before + canary + after).Where(c => !char.IsControl(c)).ToArray());

    private static readonly string[] Canaries = ["AkidCanary7Q", "SecretCanary7Q", "TokenCanary7Q"];

    // The hook rejects an access key id with ':' or white space (s3fs's passwd file splits at ':').
    private static readonly Gen<(string AccessKey, string SecretKey, string Token)> Credentials =
        from accessKey in Credential(Canaries[0])
            .Select(key => new string(key.Where(c => c != ':' && !char.IsWhiteSpace(c)).ToArray()))
        from secretKey in Credential(Canaries[1])
        from token in Credential(Canaries[2])
        select (accessKey, secretKey, token);

    [Property(MaxTest = 400)]
    public Property BuildFailsOnlyWithCatalogueCode() =>
        Prop.ForAll(
            Config.ToArbitrary(),
            State.ToArbitrary(),
            Spec.ToArbitrary(),
            (config, state, spec) =>
            {
                var result = PlanBuilder.Build(config, state, spec);

                result.IfFail(error =>
                    Assert.True(
                        HookError.CodeOf(error) is not null,
                        $"error {error.Code} is not in the catalogue: {error.Message}"
                    )
                );
            }
        );

    [Property(MaxTest = 300)]
    public Property CredentialsStayOutOfArgv() =>
        Prop.ForAll(Mounter.ToArbitrary(), Credentials.ToArbitrary(), (mounter, credentials) =>
        {
            var config = HookConfig.Defaults with
            {
                ActivationFlag = "S3_MOUNT",
                ProgramPath = "/usr/bin/mounter",
                Mounter = mounter,
                AllowedEndpointHosts = ["127.0.0.1"],
            };
            var environment = ContainerEnvironment.Parse([
                "S3_MOUNT=true",
                "S3_BUCKET=my-bucket",
                "S3_PREFIX=team/data",
                "S3_ENDPOINT_URL=http://127.0.0.1:9000",
                "AWS_REGION=eu-west-1",
                $"AWS_ACCESS_KEY_ID={credentials.AccessKey}",
                $"AWS_SECRET_ACCESS_KEY={credentials.SecretKey}",
                $"AWS_SESSION_TOKEN={credentials.Token}",
            ]);
            var spec = new BundleSpec(
                "/run/bundles/c1/rootfs",
                false,
                environment,
                1000,
                1000,
                ImmutableDictionary<string, string>.Empty,
                null
            );
            var state = new OciState(
                "1.2.0",
                "c1",
                "creating",
                4242,
                "/run/bundles/c1",
                ImmutableDictionary<string, string>.Empty
            );

            var plan = PlanBuilder
                .Build(config, state, spec)
                .Match(
                    Succ: value => value,
                    Fail: error =>
                        throw new InvalidOperationException($"build failed: {error.Message}")
                );

            var invocation = new Invocation(
                HookCommand.Run,
                HookStage.Prestart,
                HookConfig.DefaultPath,
                true,
                null
            );
            var activation = ActivationGate.Decide(config, environment);
            var printed = string.Join(
                '\n',
                PlanPrinter.Mount(invocation, HookStage.Prestart, config, activation, plan)
            );
            foreach (var canary in Canaries)
            {
                Assert.DoesNotContain(plan.Mounter.Arguments, argument =>
                    argument.Contains(canary, StringComparison.Ordinal)
                );
                Assert.DoesNotContain(canary, printed, StringComparison.Ordinal);
                Assert.DoesNotContain(canary, plan.ToString(), StringComparison.Ordinal);
            }
        });
}
