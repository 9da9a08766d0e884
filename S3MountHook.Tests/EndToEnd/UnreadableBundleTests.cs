using System.Text.Json.Nodes;
using S3MountHook.Tests.Infrastructure;
using Xunit;

namespace S3MountHook.Tests.EndToEnd;

/// <summary>
/// The hook runs for every container, so a bundle config it cannot parse fails only a container
/// that requests a mount; every other container starts.
/// </summary>
public sealed class UnreadableBundleTests
{
    [Theory]
    [InlineData("number in env")]
    [InlineData("deep annotations")]
    [InlineData("missing bundle")]
    public void NotActivatedContainerStarts(string problem)
    {
        using var hook = new HookHarness("s3fs");
        using var bundle = new BusyboxBundle("true");
        WriteOddConfig(bundle, problem, activated: false);
        var directory =
            problem == "missing bundle" ? bundle.BundleDirectory + "-gone" : bundle.BundleDirectory;

        var result = hook.Run(HookHarness.State("odd", "creating", 1, directory), "prestart");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("", result.Stderr);
        Assert.Equal("", hook.LogText);
    }

    [Theory]
    [InlineData("number in env")]
    [InlineData("deep annotations")]
    public void ActivatedContainerFails(string problem)
    {
        using var hook = new HookHarness("s3fs");
        using var bundle = new BusyboxBundle("true");
        WriteOddConfig(bundle, problem, activated: true);

        var result = hook.Run(
            HookHarness.State("odd", "creating", 1, bundle.BundleDirectory),
            "prestart"
        );

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(
            "is not a valid OCI runtime config",
            result.Stderr,
            StringComparison.Ordinal
        );
    }

    private static void WriteOddConfig(BusyboxBundle bundle, string problem, bool activated)
    {
        if (activated)
        {
            bundle.Env[HookHarness.Flag] = "true";
        }

        var config = bundle.BuildConfig();
        if (problem == "number in env")
        {
            config["process"]!["env"]!.AsArray().Add(5);
        }
        else
        {
            JsonNode nested = "leaf";
            for (var depth = 0; depth < 100; depth++)
            {
                nested = new JsonObject { ["a"] = nested };
            }

            config["annotations"] = new JsonObject { ["deep"] = nested };
        }

        File.WriteAllText(
            bundle.ConfigPath,
            config.ToJsonString(new System.Text.Json.JsonSerializerOptions { MaxDepth = 256 })
        );
    }
}
