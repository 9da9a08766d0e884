using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using S3MountHook.Errors;
using S3MountHook.Plan;
using Xunit;

namespace S3MountHook.Properties;

public sealed class InputRuleProperties
{
    private static readonly string[] ForbiddenRoots = ["/proc", "/sys", "/dev"];

    private static readonly Gen<char> BucketChar = Gen.Elements(
        'a',
        'Z',
        '0',
        '-',
        '.',
        '_',
        ':',
        ' ',
        '/',
        'é'
    );

    /// <summary>Random strings around both length limits of a bucket name.</summary>
    private static readonly Gen<string> BucketCandidate = Gen.Frequency(
            (3, Gen.Choose(0, 8)),
            (1, Gen.Choose(250, 260))
        )
        .SelectMany(length => Gen.ArrayOf(BucketChar, length))
        .Select(chars => new string(chars));

    private static readonly Gen<string> PathCandidate = Gen.Frequency(
        (
            3,
            from leading in Gen.Elements("", "/", "//")
            from segments in Gen.ListOf(
                Gen.Elements(
                    "",
                    ".",
                    "..",
                    "...",
                    "proc",
                    "sys",
                    "dev",
                    "procfs",
                    "mnt",
                    "s3",
                    "-x",
                    "a b",
                    "日",
                    "x\n"
                )
            )
            from trailing in Gen.Elements("", "/")
            select leading + string.Join('/', segments) + trailing
        ),
        (1, Hostile.String)
    );

    /// <summary>mount-s3's bucket rule, written here independently of InputRules.</summary>
    private static bool MountS3Accepts(string bucket) =>
        bucket.Length >= 3
        && bucket.Length <= 255
        && bucket.All(c =>
            c
                is (>= 'a' and <= 'z')
                    or (>= 'A' and <= 'Z')
                    or (>= '0' and <= '9')
                    or '.'
                    or '_'
                    or '-'
        )
        && !bucket.StartsWith('-');

    [Property(MaxTest = 500)]
    public Property BucketAgreesWithMountS3() =>
        Prop.ForAll(BucketCandidate.ToArbitrary(), bucket =>
        {
            var result = InputRules.Bucket(bucket, allowArn: false);

            Assert.Equal(MountS3Accepts(bucket), result.IsSucc);
        });

    [Property(MaxTest = 300)]
    public Property BucketFailsWithBucketCode() =>
        Prop.ForAll(
            Hostile.String.ToArbitrary(),
            Gen.Elements(true, false).ToArbitrary(),
            (bucket, allowArn) =>
            {
                var result = InputRules.Bucket(bucket, allowArn);

                result.IfFail(error =>
                    Assert.Equal(HookErrorCode.BucketInvalid, HookError.CodeOf(error))
                );
            }
        );

    [Property(MaxTest = 500)]
    public Property PrefixAcceptedIsSafe() => Prop.ForAll(Hostile.String.ToArbitrary(), prefix =>
        {
            InputRules
                .Prefix(prefix)
                .IfSucc(accepted =>
                {
                    Assert.True(
                        accepted.Length == 0 || accepted.EndsWith('/'),
                        $"prefix \"{accepted}\" does not end with '/'"
                    );
                    Assert.False(
                        accepted.StartsWith('-'),
                        $"prefix \"{accepted}\" starts with '-'"
                    );
                    Assert.False(
                        accepted.StartsWith('/'),
                        $"prefix \"{accepted}\" starts with '/'"
                    );
                    Assert.DoesNotContain("//", accepted, StringComparison.Ordinal);
                    Assert.DoesNotContain(accepted, char.IsControl);
                });
        });

    [Property(MaxTest = 500)]
    public Property TargetAcceptedIsSafe() => Prop.ForAll(PathCandidate.ToArbitrary(), target =>
        {
            InputRules
                .Target("CONTAINER_MOUNTPOINT", target)
                .IfSucc(accepted =>
                {
                    var components = accepted.Split('/');
                    Assert.StartsWith("/", accepted, StringComparison.Ordinal);
                    Assert.NotEqual("/", accepted);
                    Assert.DoesNotContain("//", accepted, StringComparison.Ordinal);
                    Assert.DoesNotContain(".", components);
                    Assert.DoesNotContain("..", components);
                    Assert.DoesNotContain(accepted, char.IsControl);
                    foreach (var root in ForbiddenRoots)
                    {
                        Assert.False(
                            accepted == root
                                || accepted.StartsWith(root + "/", StringComparison.Ordinal),
                            $"target \"{accepted}\" is under {root}"
                        );
                    }
                });
        });

    [Property(MaxTest = 300)]
    public Property EndpointAcceptedIsSafe() =>
        Prop.ForAll(Hostile.String.ToArbitrary(), endpoint =>
        {
            InputRules
                .Endpoint(endpoint)
                .IfSucc(accepted =>
                {
                    Assert.True(
                        accepted.StartsWith("http://", StringComparison.OrdinalIgnoreCase)
                            || accepted.StartsWith("https://", StringComparison.OrdinalIgnoreCase),
                        $"endpoint \"{accepted}\" is not http or https"
                    );
                    Assert.DoesNotContain(",", accepted, StringComparison.Ordinal);
                    Assert.Empty(new Uri(accepted).UserInfo);
                });
        });
}
