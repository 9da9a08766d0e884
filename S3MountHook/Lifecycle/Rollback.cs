using LanguageExt;
using LanguageExt.Common;

namespace S3MountHook.Lifecycle;

/// <summary>
/// The undo steps of a stage that is still in progress. Each step that creates something (a
/// directory, a file, a process, a mount) registers how to remove it. A failure anywhere later
/// runs the steps in reverse order, so a failed prestart leaves nothing behind.
/// </summary>
internal sealed class Rollback
{
    private readonly Stack<(string Description, Func<Fin<Unit>> Undo)> steps = new();

    /// <summary>Registers how to undo something that was just created.</summary>
    public void Register(string description, Func<Fin<Unit>> undo) =>
        steps.Push((description, undo));

    /// <summary>Forgets every step: what was created now outlives this run.</summary>
    public void Commit() => steps.Clear();

    /// <summary>Runs every step in reverse order, carrying on past failures; returns the failures.</summary>
    public IReadOnlyList<Error> Run()
    {
        var failures = new List<Error>();
        while (steps.TryPop(out var step))
        {
            step.Undo()
                .IfFail(error =>
                    failures.Add(Error.New($"undo {step.Description}: {error.Message}"))
                );
        }

        return failures;
    }
}
