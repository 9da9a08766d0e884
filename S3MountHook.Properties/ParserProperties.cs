using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using S3MountHook.Bundle;
using S3MountHook.Config;
using S3MountHook.Errors;
using S3MountHook.State;
using Xunit;

namespace S3MountHook.Properties;

public sealed class ParserProperties
{
    private static readonly Gen<byte[]> Bytes = Gen.ArrayOf(
        Gen.Choose(0, 255).Select(value => (byte)value)
    );

    private static readonly string[] JsonTokens =
    [
        "{",
        "}",
        "[",
        "]",
        ":",
        ",",
        "null",
        "true",
        "false",
        "0",
        "-1",
        "1.5",
        "1e400",
        "99999999999",
        "-0",
        "\"\"",
        "\"/b\"",
        "\"rel\"",
        "\"c1\"",
        "\"\\u0000\"",
        "\"\\ud800\"",
        "\"\\udc00x\"",
        "\"\\n\"",
        "\"日本\"",
        "\"--x\"",
        "\"id\"",
        "\"bundle\"",
        "\"pid\"",
        "\"annotations\"",
        "\"ociVersion\"",
        "\"status\"",
        "\"activation_flag\"",
        "\"program_path\"",
        "\"host_mountpoint\"",
        "\"container_mountpoint\"",
        "\"mounter\"",
        "\"mount_timeout_seconds\"",
        "\"log_path\"",
        "\"on_failure\"",
        "\"read_only\"",
        "\"default_region\"",
        "\"root\"",
        "\"path\"",
        "\"process\"",
        "\"env\"",
        "\"user\"",
        "\"uid\"",
        "\"hooks\"",
        "\"prestart\"",
        "\"timeout\"",
        " ",
        "\n",
        "/*",
        "*/",
        "\"",
    ];

    private static readonly string[] ValidDocuments =
    [
        """{"ociVersion":"1.2.0","id":"c1","status":"creating","pid":42,"bundle":"/run/b","annotations":{"k":"v"}}""",
        """{"activation_flag":"S3_MOUNT","program_path":"/usr/bin/mount-s3","host_mountpoint":"/run/m","container_mountpoint":"/mnt/s3","mount_timeout_seconds":30,"log_path":null}""",
        """{"root":{"path":"rootfs","readonly":true},"process":{"env":["A=1"],"user":{"uid":1,"gid":2}},"hooks":{"prestart":[{"path":"/h","timeout":5}]}}""",
    ];

    /// <summary>A valid document with some tokens spliced in, or a sequence of JSON tokens.</summary>
    private static readonly Gen<string> JsonLike = Gen.Frequency(
        (2, Gen.ListOf(Gen.Elements(JsonTokens)).Select(tokens => string.Concat(tokens))),
        (
            3,
            from document in Gen.Elements(ValidDocuments)
            from position in Gen.Choose(0, 1000)
            from insert in Gen.Elements(JsonTokens)
            select document.Insert(position % (document.Length + 1), insert)
        ),
        (
            1,
            from document in Gen.Elements(ValidDocuments)
            from position in Gen.Choose(0, 1000)
            from insert in Hostile.String
            select document.Insert(position % (document.Length + 1), insert)
        )
    );

    /// <summary>UTF-8 of JSON-like text, or raw bytes, which may be invalid UTF-8.</summary>
    private static readonly Gen<byte[]> Input = Gen.Frequency(
        (3, JsonLike.Select(text => Encoding.UTF8.GetBytes(text))),
        (1, Bytes),
        (
            1,
            from document in Gen.Elements(ValidDocuments)
            from position in Gen.Choose(0, 1000)
            from noise in Bytes
            let bytes = Encoding.UTF8.GetBytes(document)
            let offset = position % (bytes.Length + 1)
            select bytes[..offset].Concat(noise).Concat(bytes[offset..]).ToArray()
        )
    );

    private static void AssertCatalogueCode(
        LanguageExt.Common.Error error,
        HookErrorCode expected
    ) =>
        Assert.True(
            HookError.CodeOf(error) == expected,
            $"expected {expected}, got error {error.Code}: {error.Message}"
        );

    [Property(MaxTest = 500)]
    public Property StateParseFailsOnlyWithStateCode() => Prop.ForAll(Input.ToArbitrary(), input =>
        {
            var result = OciState.Parse(input);

            result.IfFail(error => AssertCatalogueCode(error, HookErrorCode.StateInvalid));
        });

    [Property(MaxTest = 500)]
    public Property ConfigParseFailsOnlyWithConfigCode() =>
        Prop.ForAll(Input.ToArbitrary(), input =>
        {
            var result = ConfigReader.Parse("/etc/hook.json", input);

            result.IfFail(error => AssertCatalogueCode(error, HookErrorCode.ConfigInvalid));
        });

    [Property(MaxTest = 500)]
    public Property SpecParseFailsOnlyWithSpecCode() => Prop.ForAll(Input.ToArbitrary(), input =>
        {
            var result = BundleSpec.Parse("/run/b", "/run/b/config.json", input);

            result.IfFail(error => AssertCatalogueCode(error, HookErrorCode.SpecInvalid));
        });
}
