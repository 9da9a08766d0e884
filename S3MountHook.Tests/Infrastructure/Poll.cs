using System.Diagnostics;
using Xunit;

namespace S3MountHook.Tests.Infrastructure;

/// <summary>Polling with a deadline, in place of fixed sleeps.</summary>
public static class Poll
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Evaluates <paramref name="condition"/> until it returns true or <paramref name="timeout"/> passes.
    /// </summary>
    /// <returns>True when the condition became true before the deadline.</returns>
    public static bool Until(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (condition())
            {
                return true;
            }

            if (clock.Elapsed >= timeout)
            {
                return false;
            }

            Thread.Sleep(Interval);
        }
    }

    /// <summary>Waits like <see cref="Until"/> and fails the test with <paramref name="description"/> on timeout.</summary>
    public static void AssertUntil(Func<bool> condition, TimeSpan timeout, string description)
    {
        if (!Until(condition, timeout))
        {
            Assert.Fail(
                $"Timed out after {timeout.TotalSeconds:0.#} s waiting until {description}."
            );
        }
    }
}
