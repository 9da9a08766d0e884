using S3MountHook.Activation;
using Xunit;

namespace S3MountHook.Tests.Core;

public sealed class ActivationGateTests
{
    [Fact]
    public void DecideTrueIsActive()
    {
        var activation = ActivationGate.Decide(
            Samples.Config(),
            ContainerEnvironment.Parse(["S3_MOUNT=true"])
        );

        Assert.Equal(
            new Activation.Activation(true, "S3_MOUNT=true in the container environment"),
            activation
        );
    }

    [Fact]
    public void DecideUnsetIsInactive()
    {
        var activation = ActivationGate.Decide(
            Samples.Config(),
            ContainerEnvironment.Parse(["OTHER=true"])
        );

        Assert.Equal(
            new Activation.Activation(false, "S3_MOUNT is not set in the container environment"),
            activation
        );
    }

    [Theory]
    [InlineData("TRUE")]
    [InlineData("True")]
    [InlineData("1")]
    [InlineData("yes")]
    [InlineData("")]
    [InlineData(" true")]
    [InlineData("true\n")]
    public void DecideOtherValuesInactive(string value)
    {
        var activation = ActivationGate.Decide(
            Samples.Config(),
            ContainerEnvironment.Parse([$"S3_MOUNT={value}"])
        );

        Assert.Equal(
            new Activation.Activation(false, "S3_MOUNT is set but not to \"true\""),
            activation
        );
    }
}
