using System.Text;
using S3MountHook.Errors;
using S3MountHook.State;
using Xunit;

namespace S3MountHook.Tests.Core;

public sealed class OciStateTests
{
    private static OciState ParseValid(string json) =>
        FinAssert.Success(OciState.Parse(Encoding.UTF8.GetBytes(json)));

    private static string ParseInvalid(string json) =>
        FinAssert
            .Failure(OciState.Parse(Encoding.UTF8.GetBytes(json)), HookErrorCode.StateInvalid)
            .Message;

    [Fact]
    public void ParseValidState()
    {
        var state = ParseValid(
            """
            {"ociVersion":"1.2.0","id":"c1","status":"creating","pid":42,"bundle":"/run/bundles/c1","annotations":{"k":"v"}}
            """
        );

        Assert.Equal("1.2.0", state.OciVersion);
        Assert.Equal("c1", state.Id);
        Assert.Equal("creating", state.Status);
        Assert.Equal(42, state.Pid);
        Assert.Equal("/run/bundles/c1", state.Bundle);
        Assert.Equal([new KeyValuePair<string, string>("k", "v")], state.Annotations);
    }

    [Fact]
    public void ParseIgnoresUnknownFields()
    {
        var state = ParseValid(
            """{"id":"c1","bundle":"/b","pid":7,"extra":{"nested":[1,2]},"label":"x"}"""
        );

        Assert.Equal("c1", state.Id);
    }

    [Fact]
    public void ParseMissingPidGivesZero()
    {
        var state = ParseValid("""{"id":"c1","bundle":"/b","status":"stopped"}""");

        Assert.Equal(0, state.Pid);
    }

    [Theory]
    [InlineData("""{"bundle":"/b","pid":1}""", "\"id\"")]
    [InlineData("""{"id":"","bundle":"/b","pid":1}""", "\"id\"")]
    [InlineData("""{"id":"c1","pid":1}""", "\"bundle\"")]
    [InlineData("""{"id":"c1","bundle":"run/b","pid":1}""", "\"bundle\"")]
    [InlineData("""{"id":"c1","bundle":"","pid":1}""", "\"bundle\"")]
    [InlineData("""{"id":"c1","bundle":"/b","pid":-1}""", "\"pid\"")]
    public void ParseInvalidFieldNamesIt(string json, string field)
    {
        var message = ParseInvalid(json);

        Assert.Contains(field, message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{")]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("""{"id":"c1","bundle":"/b","pid":"42"}""")]
    [InlineData("""{"id":"c1","bundle":"/b","pid":99999999999}""")]
    [InlineData("""{"id":1,"bundle":"/b"}""")]
    [InlineData("""[{"id":"c1","bundle":"/b"}]""")]
    [InlineData("null")]
    public void ParseMalformedJsonFails(string json)
    {
        var message = ParseInvalid(json);

        Assert.StartsWith("the OCI state on stdin", message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseOversizedInputFails()
    {
        var padding = new string(' ', OciState.MaxBytes);
        var json = Encoding.UTF8.GetBytes("""{"id":"c1","bundle":"/b"}""" + padding);

        var message = FinAssert.Failure(OciState.Parse(json), HookErrorCode.InputTooLarge).Message;

        Assert.Contains(
            $"larger than {OciState.MaxBytes} bytes",
            message,
            StringComparison.Ordinal
        );
    }

    [Fact]
    public void ParseAcceptsInputAtMaxBytes()
    {
        var document = """{"id":"c1","bundle":"/b"}""";
        var json = Encoding.UTF8.GetBytes(
            document + new string(' ', OciState.MaxBytes - document.Length)
        );

        var state = FinAssert.Success(OciState.Parse(json));

        Assert.Equal("c1", state.Id);
    }
}
