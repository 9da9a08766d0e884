using S3MountHook.CommandLine;
using S3MountHook.Config;
using S3MountHook.Errors;
using Xunit;

namespace S3MountHook.Tests.Core;

public sealed class InvocationTests
{
    private const string DefaultConfig = HookConfig.DefaultPath;

    [Theory]
    [InlineData(new string[0], "Run", null, DefaultConfig, false, null)]
    [InlineData(new[] { "prestart" }, "Run", "Prestart", DefaultConfig, false, null)]
    [InlineData(new[] { "createRuntime" }, "Run", "CreateRuntime", DefaultConfig, false, null)]
    [InlineData(new[] { "poststop" }, "Run", "Poststop", DefaultConfig, false, null)]
    [InlineData(
        new[] { "--config", "/etc/h.json", "prestart" },
        "Run",
        "Prestart",
        "/etc/h.json",
        false,
        null
    )]
    [InlineData(
        new[] { "prestart", "-c", "/etc/h.json" },
        "Run",
        "Prestart",
        "/etc/h.json",
        false,
        null
    )]
    [InlineData(
        new[] { "--log", "/tmp/h.log", "poststop" },
        "Run",
        "Poststop",
        DefaultConfig,
        false,
        "/tmp/h.log"
    )]
    [InlineData(new[] { "-l", "/tmp/h.log" }, "Run", null, DefaultConfig, false, "/tmp/h.log")]
    [InlineData(new[] { "--explain", "prestart" }, "Run", "Prestart", DefaultConfig, true, null)]
    [InlineData(new[] { "-c", "--explain" }, "Run", null, "--explain", false, null)]
    [InlineData(new[] { "--help" }, "Help", null, DefaultConfig, false, null)]
    [InlineData(new[] { "-h", "--bogus" }, "Help", null, DefaultConfig, false, null)]
    [InlineData(new[] { "--version" }, "Version", null, DefaultConfig, false, null)]
    [InlineData(new[] { "-v" }, "Version", null, DefaultConfig, false, null)]
    public void ParseReadsArguments(
        string[] arguments,
        string command,
        string? stage,
        string configPath,
        bool explain,
        string? logPath
    )
    {
        var invocation = FinAssert.Success(Invocation.Parse(arguments));

        Assert.Equal(Enum.Parse<HookCommand>(command), invocation.Command);
        Assert.Equal(stage is null ? null : Enum.Parse<HookStage>(stage), invocation.Stage);
        Assert.Equal(configPath, invocation.ConfigPath);
        Assert.Equal(explain, invocation.Explain);
        Assert.Equal(logPath, invocation.LogPath);
    }

    [Theory]
    [InlineData(new[] { "--bogus" }, "unknown argument \"--bogus\"")]
    [InlineData(new[] { "Prestart" }, "unknown argument \"Prestart\"")]
    [InlineData(new[] { "prestart", "poststop" }, "unknown argument \"poststop\"")]
    [InlineData(new[] { "prestart", "prestart" }, "unknown argument \"prestart\"")]
    [InlineData(new[] { "--config" }, "--config needs a file path")]
    [InlineData(new[] { "prestart", "-c" }, "-c needs a file path")]
    [InlineData(new[] { "--log" }, "--log needs a file path")]
    [InlineData(new[] { "-l" }, "-l needs a file path")]
    [InlineData(new[] { "--config=/etc/h.json" }, "unknown argument \"--config=/etc/h.json\"")]
    public void ParseRejectsInvalidArguments(string[] arguments, string expected)
    {
        var message = FinAssert
            .Failure(Invocation.Parse(arguments), HookErrorCode.UsageInvalid)
            .Message;

        Assert.StartsWith(expected, message, StringComparison.Ordinal);
    }
}
