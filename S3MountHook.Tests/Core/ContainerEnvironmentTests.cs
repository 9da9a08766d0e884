using S3MountHook.Activation;
using Xunit;

namespace S3MountHook.Tests.Core;

public sealed class ContainerEnvironmentTests
{
    [Theory]
    [InlineData("A=b", "A", "b")]
    [InlineData("A=b=c", "A", "b=c")]
    [InlineData("A==", "A", "=")]
    [InlineData("A=", "A", "")]
    [InlineData("URL=http://h/?x=1&y=2", "URL", "http://h/?x=1&y=2")]
    public void ParseSplitsAtFirstEquals(string entry, string name, string value)
    {
        var environment = ContainerEnvironment.Parse([entry]);

        Assert.Equal(value, environment.Get(name));
    }

    [Fact]
    public void ParseIgnoresEntryWithoutEquals()
    {
        var environment = ContainerEnvironment.Parse(["NOVALUE", "A=1"]);

        Assert.Null(environment.Get("NOVALUE"));
        Assert.Single(environment.Variables);
    }

    [Fact]
    public void ParseIgnoresLeadingEquals()
    {
        var environment = ContainerEnvironment.Parse(["=A=1", "=", "B=2"]);

        Assert.Null(environment.Get(""));
        Assert.Null(environment.Get("A"));
        Assert.Single(environment.Variables);
    }

    [Fact]
    public void ParseLastDuplicateWins()
    {
        var environment = ContainerEnvironment.Parse(["A=first", "B=x", "A=second"]);

        Assert.Equal("second", environment.Get("A"));
    }

    [Fact]
    public void GetIsCaseSensitive()
    {
        var environment = ContainerEnvironment.Parse(["S3_BUCKET=b"]);

        Assert.Null(environment.Get("s3_bucket"));
    }
}
