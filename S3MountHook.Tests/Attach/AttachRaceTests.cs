using S3MountHook.Attach;
using S3MountHook.Errors;
using S3MountHook.Native;
using S3MountHook.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace S3MountHook.Tests.Attach;

/// <summary>
/// Attaches while another thread keeps swapping the target between a directory and a symbolic link
/// that climbs towards a host directory. Needs root.
/// </summary>
[Collection(MountTests.Name)]
public sealed class AttachRaceTests(ITestOutputHelper output) : IDisposable
{
    private const int Attempts = 1000;

    private readonly FakeContainer container = new();
    private volatile bool stopping;

    public void Dispose() => container.Dispose();

    [RootFact]
    public void SwappedTargetNeverLeavesRoot()
    {
        var data = Path.Combine(container.RootPath, "data");
        var swap = Path.Combine(container.RootPath, "swap");
        Directory.CreateDirectory(data);
        var climb = string.Concat(Enumerable.Repeat("../", 12)) + container.DecoyPath[1..];
        File.CreateSymbolicLink(swap, climb);
        Directory.CreateDirectory(container.RootPath + container.DecoyPath);
        var swapper = new Thread(() => SwapUntilStopped(data, swap));
        swapper.Start();

        var outcomes = new Dictionary<string, int>();
        try
        {
            for (var attempt = 0; attempt < Attempts; attempt++)
            {
                var outcome = container
                    .Attach("/data")
                    .Match(
                        Succ: result => result.ResolvedTarget,
                        Fail: error => HookError.CodeOf(error)?.ToString() ?? error.Message
                    );
                outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
                AssertClonesInsideRoot();
                container.DetachClonesInside();
            }
        }
        finally
        {
            stopping = true;
            swapper.Join();
        }

        var summary = string.Join(", ", outcomes.Select(pair => $"{pair.Key}: {pair.Value}"));
        output.WriteLine($"outcomes of {Attempts} attempts: {summary}");
        Assert.True(outcomes.GetValueOrDefault("/data") > 0, summary);
        Assert.True(outcomes.Keys.All(IsAllowedOutcome), summary);
        Assert.Empty(container.ClonesOnHost());
    }

    private bool IsAllowedOutcome(string outcome) =>
        outcome == "/data"
        || outcome == "/swap"
        || outcome == container.DecoyPath
        || outcome == nameof(HookErrorCode.TargetUnresolvable);

    private void AssertClonesInsideRoot()
    {
        foreach (var mountPoint in container.ClonesInside())
        {
            Assert.StartsWith(container.RootPath + "/", mountPoint, StringComparison.Ordinal);
        }

        var decoyInside = $"/proc/{container.Pid}/root{container.DecoyPath}/{container.MarkerName}";
        Assert.False(File.Exists(decoyInside), "the mount reached the host directory");
    }

    private void SwapUntilStopped(string data, string swap)
    {
        while (!stopping)
        {
            TestLibc.Exchange(data, swap).ThrowIfFail();
        }
    }
}
