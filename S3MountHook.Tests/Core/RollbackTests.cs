using LanguageExt;
using LanguageExt.Common;
using S3MountHook.Lifecycle;
using Xunit;
using static LanguageExt.Prelude;

namespace S3MountHook.Tests.Core;

public sealed class RollbackTests
{
    private static Func<Fin<Unit>> LogStep(List<string> log, string step) =>
        () =>
        {
            log.Add(step);
            return unit;
        };

    [Fact]
    public void RunUndoesInReverseOrder()
    {
        var log = new List<string>();
        var rollback = new Rollback();
        rollback.Register("directory", LogStep(log, "directory"));
        rollback.Register("file", LogStep(log, "file"));
        rollback.Register("mount", LogStep(log, "mount"));

        var failures = rollback.Run();

        Assert.Equal(["mount", "file", "directory"], log);
        Assert.Empty(failures);
    }

    [Fact]
    public void RunContinuesPastFailure()
    {
        var log = new List<string>();
        var rollback = new Rollback();
        rollback.Register("directory /run/x", LogStep(log, "directory"));
        rollback.Register("file /run/x/f", () =>
        {
            log.Add("file");
            return FinFail<Unit>(Error.New("permission denied"));
        });
        rollback.Register("mount", LogStep(log, "mount"));

        var failures = rollback.Run();

        Assert.Equal(["mount", "file", "directory"], log);
        var failure = Assert.Single(failures);
        Assert.Equal("undo file /run/x/f: permission denied", failure.Message);
    }

    [Fact]
    public void RunTwiceUndoesOnce()
    {
        var log = new List<string>();
        var rollback = new Rollback();
        rollback.Register("file", LogStep(log, "file"));

        rollback.Run();
        rollback.Run();

        Assert.Equal(["file"], log);
    }

    [Fact]
    public void CommitClearsSteps()
    {
        var log = new List<string>();
        var rollback = new Rollback();
        rollback.Register("file", LogStep(log, "file"));

        rollback.Commit();
        var failures = rollback.Run();

        Assert.Empty(log);
        Assert.Empty(failures);
    }
}
