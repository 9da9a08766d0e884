using S3MountHook.Errors;
using S3MountHook.Plan;
using Xunit;

namespace S3MountHook.Tests.Core;

public sealed class InputRulesTests
{
    private const string AccessPoint = "arn:aws:s3:us-east-1:123456789012:accesspoint/my-ap";

    public static TheoryData<string> ValidBuckets =>
        new()
        {
            "abc",
            "my-bucket",
            "my_bucket.v2",
            "Bucket-With-Caps",
            "1.2.3",
            new string('a', 255),
        };

    public static TheoryData<string> InvalidBuckets =>
        new()
        {
            "",
            "ab",
            new string('a', 256),
            "my bucket",
            "my/bucket",
            "bucket:name",
            "bücket",
            "-bucket",
            "--foreground",
            "--auto-unmount",
            "s3://my-bucket",
            "bucket\n",
        };

    [Theory]
    [MemberData(nameof(ValidBuckets))]
    public void BucketAcceptsValidName(string bucket)
    {
        Assert.Equal(bucket, FinAssert.Success(InputRules.Bucket(bucket, allowArn: false)));
    }

    [Theory]
    [MemberData(nameof(InvalidBuckets))]
    public void BucketRejectsInvalidName(string bucket)
    {
        FinAssert.Failure(InputRules.Bucket(bucket, allowArn: true), HookErrorCode.BucketInvalid);
    }

    [Fact]
    public void BucketAcceptsArnWhenAllowed()
    {
        Assert.Equal(
            AccessPoint,
            FinAssert.Success(InputRules.Bucket(AccessPoint, allowArn: true))
        );
    }

    [Fact]
    public void BucketRejectsArnWhenNotAllowed()
    {
        FinAssert.Failure(
            InputRules.Bucket(AccessPoint, allowArn: false),
            HookErrorCode.BucketInvalid
        );
    }

    [Theory]
    [InlineData("arn:aws:s3:::my bucket")]
    [InlineData("arn:aws:s3:::b,c")]
    [InlineData("arn:aws:s3:::b\n")]
    public void BucketRejectsArnWithBadCharacter(string arn)
    {
        FinAssert.Failure(InputRules.Bucket(arn, allowArn: true), HookErrorCode.BucketInvalid);
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("data", "data/")]
    [InlineData("data/", "data/")]
    [InlineData("team/data", "team/data/")]
    [InlineData("a=b", "a=b/")]
    [InlineData("x-y/-z", "x-y/-z/")]
    public void PrefixNormalisesTrailingSlash(string prefix, string expected)
    {
        Assert.Equal(expected, FinAssert.Success(InputRules.Prefix(prefix)));
    }

    [Theory]
    [InlineData("-data")]
    [InlineData("--foreground")]
    [InlineData("/data")]
    [InlineData("/")]
    [InlineData("//")]
    [InlineData("a//b")]
    [InlineData("a\nb")]
    [InlineData("data\t")]
    public void PrefixRejectsInvalidValue(string prefix)
    {
        FinAssert.Failure(InputRules.Prefix(prefix), HookErrorCode.PrefixInvalid);
    }

    [Fact]
    public void PrefixAcceptsMaxLength()
    {
        var prefix = new string('a', 1023);

        Assert.Equal(prefix + "/", FinAssert.Success(InputRules.Prefix(prefix)));
    }

    [Fact]
    public void PrefixRejectsOverMaxLength()
    {
        FinAssert.Failure(InputRules.Prefix(new string('a', 1024)), HookErrorCode.PrefixInvalid);
    }

    [Theory]
    [InlineData("http://127.0.0.1:9000")]
    [InlineData("https://s3.eu-west-1.amazonaws.com")]
    [InlineData("https://minio.example.com:9443/base")]
    [InlineData("http://[::1]:9000")]
    public void EndpointAcceptsHttpUrl(string url)
    {
        Assert.Equal(url, FinAssert.Success(InputRules.Endpoint(url)));
    }

    [Theory]
    [InlineData("ftp://s3.example.com")]
    [InlineData("file:///etc/passwd")]
    [InlineData("/etc/passwd")]
    [InlineData("s3.example.com")]
    [InlineData("http://")]
    [InlineData("")]
    [InlineData("http://host /x")]
    [InlineData("http://host/\n")]
    [InlineData("--endpoint-url")]
    [InlineData("http://host/,allow_other")]
    [InlineData("http://host/?a=1,suid")]
    [InlineData("http://host/\\,dev")]
    public void EndpointRejectsInvalidUrl(string url)
    {
        FinAssert.Failure(InputRules.Endpoint(url), HookErrorCode.EndpointInvalid);
    }

    [Theory]
    [InlineData("http://admin:Pa55wordCanary@minio:9000")]
    [InlineData("https://Pa55wordCanary@minio")]
    public void EndpointUserInfoHidesPassword(string url)
    {
        var message = FinAssert
            .Failure(InputRules.Endpoint(url), HookErrorCode.EndpointInvalid)
            .Message;

        Assert.DoesNotContain("Pa55wordCanary", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("us-east-1")]
    [InlineData("eu-central-2")]
    [InlineData("us-gov-west-1")]
    [InlineData("local")]
    public void RegionAcceptsValidName(string region)
    {
        Assert.Equal(region, FinAssert.Success(InputRules.Region("AWS_REGION", region)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("US-EAST-1")]
    [InlineData("-us-east-1")]
    [InlineData("--region")]
    [InlineData("us_east_1")]
    [InlineData("us east 1")]
    [InlineData("us-east-1\n")]
    public void RegionRejectsInvalidName(string region)
    {
        FinAssert.Failure(InputRules.Region("AWS_REGION", region), HookErrorCode.RegionInvalid);
    }

    [Fact]
    public void RegionRejectsOverMaxLength()
    {
        FinAssert.Failure(
            InputRules.Region("AWS_REGION", new string('a', 65)),
            HookErrorCode.RegionInvalid
        );
    }

    [Fact]
    public void RegionErrorNamesVariable()
    {
        var message = FinAssert
            .Failure(InputRules.Region("AWS_DEFAULT_REGION", "BAD"), HookErrorCode.RegionInvalid)
            .Message;

        Assert.StartsWith(
            "AWS_DEFAULT_REGION \"BAD\" is not a region name",
            message,
            StringComparison.Ordinal
        );
    }

    [Theory]
    [InlineData("c1")]
    [InlineData("0123456789abcdef0123456789abcdef")]
    [InlineData("pod_ns+name-1.2")]
    [InlineData("...")]
    [InlineData("-rf")]
    public void ContainerIdAcceptsPathComponent(string id)
    {
        Assert.Equal(id, FinAssert.Success(InputRules.ContainerId(id)));
    }

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("/abs")]
    [InlineData("a b")]
    [InlineData("a\0b")]
    [InlineData("a\nb")]
    public void ContainerIdRejectsUnsafeValue(string id)
    {
        FinAssert.Failure(InputRules.ContainerId(id), HookErrorCode.ContainerIdInvalid);
    }

    [Fact]
    public void ContainerIdRejectsOverMaxLength()
    {
        FinAssert.Failure(
            InputRules.ContainerId(new string('a', 251)),
            HookErrorCode.ContainerIdInvalid
        );
    }

    [Theory]
    [InlineData("/mnt/s3", "/mnt/s3")]
    [InlineData("//mnt///s3/", "/mnt/s3")]
    [InlineData("/mnt/s3/", "/mnt/s3")]
    [InlineData("/procfs", "/procfs")]
    [InlineData("/mnt/proc", "/mnt/proc")]
    [InlineData("/devices/x", "/devices/x")]
    [InlineData("/sysroot", "/sysroot")]
    [InlineData("/data/...", "/data/...")]
    [InlineData("/-x", "/-x")]
    public void TargetNormalisesPath(string target, string expected)
    {
        Assert.Equal(
            expected,
            FinAssert.Success(InputRules.Target("CONTAINER_MOUNTPOINT", target))
        );
    }

    [Theory]
    [InlineData("")]
    [InlineData("mnt/s3")]
    [InlineData("./mnt")]
    [InlineData("/")]
    [InlineData("///")]
    [InlineData("/mnt/../etc")]
    [InlineData("/..")]
    [InlineData("/mnt/./s3")]
    [InlineData("/proc")]
    [InlineData("/proc/")]
    [InlineData("/proc/self")]
    [InlineData("//proc//sys")]
    [InlineData("/sys")]
    [InlineData("/sys/fs/cgroup")]
    [InlineData("/dev")]
    [InlineData("/dev/shm")]
    [InlineData("/mnt/s3\n")]
    public void TargetRejectsInvalidPath(string target)
    {
        FinAssert.Failure(
            InputRules.Target("CONTAINER_MOUNTPOINT", target),
            HookErrorCode.TargetInvalid
        );
    }

    [Fact]
    public void TargetRejectsOverMaxLength()
    {
        FinAssert.Failure(
            InputRules.Target("CONTAINER_MOUNTPOINT", "/" + new string('a', 4096)),
            HookErrorCode.TargetInvalid
        );
    }

    [Fact]
    public void TargetErrorNamesSource()
    {
        var message = FinAssert
            .Failure(
                InputRules.Target("CONTAINER_MOUNTPOINT", "/proc/x"),
                HookErrorCode.TargetInvalid
            )
            .Message;

        Assert.Contains(
            "from CONTAINER_MOUNTPOINT is invalid: it must not be /proc or below it",
            message,
            StringComparison.Ordinal
        );
    }

    [Theory]
    [InlineData("")]
    [InlineData("a=b=c")]
    [InlineData("--foreground")]
    [InlineData("wJalr/K7MDENG+bPxRfiCY")]
    [InlineData("日本語 ✓")]
    public void PlainValueAcceptsPrintable(string value)
    {
        Assert.Equal(
            value,
            FinAssert.Success(InputRules.PlainValue("AWS_SECRET_ACCESS_KEY", value))
        );
    }

    [Theory]
    [InlineData("S3cretCanary\n")]
    [InlineData("S3cretCanary\r\n")]
    [InlineData("S3cret\0Canary")]
    [InlineData("\tS3cretCanary")]
    [InlineData("S3cretCanary\u007f")]
    [InlineData("S3cretCanary\u0085")]
    public void PlainValueRejectsControlCharacter(string value)
    {
        var message = FinAssert
            .Failure(
                InputRules.PlainValue("AWS_SECRET_ACCESS_KEY", value),
                HookErrorCode.EnvValueInvalid
            )
            .Message;

        Assert.StartsWith(
            "container variable AWS_SECRET_ACCESS_KEY contains a control character",
            message,
            StringComparison.Ordinal
        );
        Assert.DoesNotContain("S3cret", message, StringComparison.Ordinal);
        Assert.DoesNotContain("Canary", message, StringComparison.Ordinal);
    }

    [Fact]
    public void PlainValueRejectsOverMaxLength()
    {
        var value = new string('s', InputRules.MaxValueLength + 1);

        var message = FinAssert
            .Failure(InputRules.PlainValue("AWS_SESSION_TOKEN", value), HookErrorCode.InputTooLarge)
            .Message;

        Assert.StartsWith(
            "container variable AWS_SESSION_TOKEN is longer than 16384 characters",
            message,
            StringComparison.Ordinal
        );
        Assert.DoesNotContain("ssss", message, StringComparison.Ordinal);
    }

    [Fact]
    public void PlainValueAcceptsMaxLength()
    {
        var value = new string('s', InputRules.MaxValueLength);

        Assert.Equal(value, FinAssert.Success(InputRules.PlainValue("AWS_SESSION_TOKEN", value)));
    }
}
