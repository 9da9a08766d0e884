using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using S3MountHook.Activation;
using Xunit;

namespace S3MountHook.Properties;

public sealed class EnvironmentProperties
{
    private static readonly Gen<string> Name = Hostile.String.Where(name =>
        name.Length > 0 && !name.Contains('=', StringComparison.Ordinal)
    );

    [Property(MaxTest = 300)]
    public Property ParseKeepsValueWhole() =>
        Prop.ForAll(Name.ToArbitrary(), Hostile.String.ToArbitrary(), (name, value) =>
        {
            var environment = ContainerEnvironment.Parse([$"{name}={value}"]);

            Assert.Equal(value, environment.Get(name));
        });

    [Property(MaxTest = 300)]
    public Property ParseLastEntryWins() =>
        Prop.ForAll(
            Name.ToArbitrary(),
            Hostile.String.ToArbitrary(),
            Hostile.String.ToArbitrary(),
            (name, first, last) =>
            {
                var environment = ContainerEnvironment.Parse([$"{name}={first}", $"{name}={last}"]);

                Assert.Equal(last, environment.Get(name));
            }
        );

    [Property(MaxTest = 300)]
    public Property ParseDropsEmptyNames() =>
        Prop.ForAll(Gen.ListOf(Hostile.String).ToArbitrary(), entries =>
        {
            var environment = ContainerEnvironment.Parse(entries);

            Assert.DoesNotContain("", environment.Variables.Keys);
        });
}
