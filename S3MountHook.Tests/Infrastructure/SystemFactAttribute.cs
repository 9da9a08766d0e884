using Xunit;

namespace S3MountHook.Tests.Infrastructure;

/// <summary>
/// A fact that xunit 2 skips, with the reason, when the machine lacks <see cref="Requires"/> flags.
/// xunit 2 has no runtime skip call, but it reads <see cref="FactAttribute.Skip"/> from the attribute
/// instance, so a value computed in the constructor works. With
/// <see cref="Requirements.RequireAllVariable"/> set to "true" the test always runs.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class SystemFactAttribute : FactAttribute
{
    /// <summary>Skips the test unless the machine offers <paramref name="requirements"/>.</summary>
    public SystemFactAttribute(Requires requirements)
    {
        Requirements = requirements;
        if (!Infrastructure.Requirements.AllRequired)
        {
            Skip = Infrastructure.Requirements.SkipReason(requirements);
        }
    }

    /// <summary>What the test needs.</summary>
    public Requires Requirements { get; }
}

/// <summary>The theory counterpart of <see cref="SystemFactAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class SystemTheoryAttribute : TheoryAttribute
{
    /// <summary>Skips the theory unless the machine offers <paramref name="requirements"/>.</summary>
    public SystemTheoryAttribute(Requires requirements)
    {
        Requirements = requirements;
        if (!Infrastructure.Requirements.AllRequired)
        {
            Skip = Infrastructure.Requirements.SkipReason(requirements);
        }
    }

    /// <summary>What the theory needs.</summary>
    public Requires Requirements { get; }
}
