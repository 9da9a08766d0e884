using S3MountHook.Plan;
using S3MountHook.Secrets;
using Xunit;

namespace S3MountHook.Tests.Core;

public sealed class SecretTests
{
    [Fact]
    public void ToStringGivesRedactionMarker()
    {
        Assert.Equal("[redacted]", new Secret(Samples.SecretKey).ToString());
    }

    [Fact]
    public void RevealGivesValue()
    {
        Assert.Equal(Samples.SecretKey, new Secret(Samples.SecretKey).Reveal());
    }

    [Fact]
    public void InterpolatedRecordHidesValues()
    {
        var credentials = new Credentials(
            new Secret(Samples.AccessKey),
            new Secret(Samples.SecretKey),
            new Secret(Samples.SessionToken)
        );

        var text = $"credentials: {credentials}";

        Assert.DoesNotContain(Samples.AccessKey, text, StringComparison.Ordinal);
        Assert.DoesNotContain(Samples.SecretKey, text, StringComparison.Ordinal);
        Assert.DoesNotContain(Samples.SessionToken, text, StringComparison.Ordinal);
        Assert.Contains("SecretAccessKey = [redacted]", text, StringComparison.Ordinal);
    }

    [Fact]
    public void InterpolatedPlanHidesValues()
    {
        var plan = FinAssert.Success(
            PlanBuilder.Build(
                Samples.Config(),
                Samples.State(),
                Samples.Spec(Samples.Environment(sessionToken: true))
            )
        );

        var text = $"{plan} {plan.Mounter.Environment.Variables.Length}";

        Assert.DoesNotContain(Samples.AccessKey, text, StringComparison.Ordinal);
        Assert.DoesNotContain(Samples.SecretKey, text, StringComparison.Ordinal);
        Assert.DoesNotContain(Samples.SessionToken, text, StringComparison.Ordinal);
    }

    [Fact]
    public void EqualsComparesValues()
    {
        Assert.Equal(new Secret("same-value"), new Secret("same-value"));
        Assert.NotEqual(new Secret("same-value"), new Secret("other-value"));
    }
}

public sealed class RedactorTests
{
    [Fact]
    public void ApplyReplacesEveryOccurrence()
    {
        var redactor = new Redactor([new Secret("AKIA1234"), new Secret("s3cr3t/Value")]);

        var text = redactor.Apply("key AKIA1234 secret s3cr3t/Value again AKIA1234s3cr3t/Value");

        Assert.Equal("key [redacted] secret [redacted] again [redacted][redacted]", text);
    }

    [Fact]
    public void ApplyReplacesLongerSecretFirst()
    {
        var redactor = new Redactor([new Secret("abcd"), new Secret("abcdefgh")]);

        Assert.Equal("x [redacted] y", redactor.Apply("x abcdefgh y"));
    }

    [Fact]
    public void ApplyKeepsShortValues()
    {
        var redactor = new Redactor([new Secret("abc"), new Secret("")]);

        Assert.Equal("abc def", redactor.Apply("abc def"));
    }

    [Fact]
    public void ForCommandUsesCredentials()
    {
        var plan = FinAssert.Success(
            PlanBuilder.Build(
                Samples.Config(),
                Samples.State(),
                Samples.Spec(Samples.Environment(sessionToken: true))
            )
        );
        var output =
            $"Error: 403 for {Samples.AccessKey} with {Samples.SecretKey} and {Samples.SessionToken}";

        var text = Redactor.For(plan.Mounter).Apply(output);

        Assert.Equal("Error: 403 for [redacted] with [redacted] and [redacted]", text);
    }
}
