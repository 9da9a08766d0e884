using System.Text;
using S3MountHook.Bundle;
using S3MountHook.Errors;
using Xunit;

namespace S3MountHook.Tests.Core;

public sealed class BundleSpecTests
{
    private const string Bundle = "/run/bundles/c1";
    private const string ConfigPath = Bundle + "/config.json";

    private static BundleSpec ParseValid(string json) =>
        FinAssert.Success(BundleSpec.Parse(Bundle, ConfigPath, Encoding.UTF8.GetBytes(json)));

    [Theory]
    [InlineData("rootfs", "/run/bundles/c1/rootfs")]
    [InlineData("./rootfs/", "/run/bundles/c1/rootfs/")]
    [InlineData("../shared/rootfs", "/run/bundles/shared/rootfs")]
    [InlineData("/var/lib/containers/c1/merged", "/var/lib/containers/c1/merged")]
    public void ParseResolvesRootPath(string root, string expected)
    {
        var spec = ParseValid($$$"""{"root":{"path":"{{{root}}}"}}""");

        Assert.Equal(expected, spec.RootPath);
    }

    [Fact]
    public void ParseReadsRootReadOnly()
    {
        var spec = ParseValid("""{"root":{"path":"rootfs","readonly":true}}""");

        Assert.True(spec.RootReadOnly);
    }

    [Fact]
    public void ParseReadsEnvironment()
    {
        var spec = ParseValid(
            """{"root":{"path":"rootfs"},"process":{"env":["PATH=/bin","S3_BUCKET=b=c"]}}"""
        );

        Assert.Equal("/bin", spec.Environment.Get("PATH"));
        Assert.Equal("b=c", spec.Environment.Get("S3_BUCKET"));
    }

    [Fact]
    public void ParseReadsUidAndGid()
    {
        var spec = ParseValid(
            """{"root":{"path":"rootfs"},"process":{"user":{"uid":1000,"gid":2000}}}"""
        );

        Assert.Equal(1000, spec.Uid);
        Assert.Equal(2000, spec.Gid);
    }

    [Fact]
    public void ParseMissingUserIsRoot()
    {
        var spec = ParseValid("""{"root":{"path":"rootfs"}}""");

        Assert.Equal(0, spec.Uid);
        Assert.Equal(0, spec.Gid);
    }

    [Fact]
    public void ParseTakesShortestHookTimeout()
    {
        var spec = ParseValid(
            """
            {"root":{"path":"rootfs"},"hooks":{
              "prestart":[{"path":"/a","timeout":10},{"path":"/b"},{"path":"/c","timeout":0}],
              "createRuntime":[{"path":"/d","timeout":7}],
              "poststop":[{"path":"/e","timeout":1}]}}
            """
        );

        Assert.Equal(7, spec.HookTimeoutSeconds);
    }

    [Fact]
    public void ParseWithoutHookTimeoutsGivesNull()
    {
        var spec = ParseValid(
            """{"root":{"path":"rootfs"},"hooks":{"poststop":[{"path":"/e","timeout":1}]}}"""
        );

        Assert.Null(spec.HookTimeoutSeconds);
    }

    [Theory]
    [InlineData("""{}""")]
    [InlineData("""{"root":{}}""")]
    [InlineData("""{"root":{"path":""}}""")]
    [InlineData("null")]
    public void ParseMissingRootPathFails(string json)
    {
        var result = BundleSpec.Parse(Bundle, ConfigPath, Encoding.UTF8.GetBytes(json));

        var message = FinAssert.Failure(result, HookErrorCode.SpecInvalid).Message;

        Assert.Equal(
            $"bundle config {ConfigPath} has no \"root.path\"; check the container's OCI bundle",
            message
        );
    }

    [Theory]
    [InlineData("{")]
    [InlineData("""{"root":{"path":5}}""")]
    [InlineData("""{"root":{"path":"rootfs"},"process":{"env":"A=1"}}""")]
    public void ParseMalformedJsonFails(string json)
    {
        var result = BundleSpec.Parse(Bundle, ConfigPath, Encoding.UTF8.GetBytes(json));

        FinAssert.Failure(result, HookErrorCode.SpecInvalid);
    }

    [Fact]
    public void ParseIgnoresNullEnvEntry()
    {
        var spec = ParseValid("""{"root":{"path":"rootfs"},"process":{"env":["A=1",null]}}""");

        Assert.Equal("1", spec.Environment.Get("A"));
        Assert.Single(spec.Environment.Variables);
    }

    [Fact]
    public void ParseNulInRootPathFails()
    {
        var json = """{"root":{"path":"root\u0000fs"}}""";

        var result = BundleSpec.Parse(Bundle, ConfigPath, Encoding.UTF8.GetBytes(json));

        var message = FinAssert.Failure(result, HookErrorCode.SpecInvalid).Message;

        Assert.Contains("\"root.path\"", message, StringComparison.Ordinal);
    }
}
