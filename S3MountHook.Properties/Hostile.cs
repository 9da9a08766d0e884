using FsCheck;
using FsCheck.Fluent;

namespace S3MountHook.Properties;

/// <summary>
/// Generators biased toward input that breaks parsers and command lines: option-like strings,
/// '=' and ',' inside values, control characters, lone surrogates, non-ASCII text, empty and
/// very long strings.
/// </summary>
internal static class Hostile
{
    /// <summary>Characters that mean something to a shell, a URL, a path, an env entry or an -o list.</summary>
    private static readonly char[] Alphabet =
    [
        'a',
        'b',
        'Z',
        '0',
        '9',
        '-',
        '-',
        '.',
        '_',
        '=',
        '=',
        ',',
        ':',
        '/',
        '/',
        ' ',
        '@',
        '\\',
        '\'',
        '"',
        '?',
        '&',
        '%',
        '+',
        '\n',
        '\r',
        '\t',
        '\0',
        '\u001b',
        '\u007f',
        '\u0085',
        'é',
        'ß',
        '日',
        '\u200b',
        '\ud83d',
        '\ude00',
        '\ufeff',
    ];

    private static readonly string[] Samples =
    [
        "",
        "-",
        "--",
        "--x",
        "--foreground",
        "--auto-unmount",
        "-o",
        "=",
        "==",
        "a=b=c",
        "true",
        "TRUE",
        ".",
        "..",
        "/",
        "//",
        "/proc",
        "/dev/shm",
        "/sys/",
        "/mnt/../etc",
        "arn:",
        "arn:aws:s3:::b",
        "s3://bucket/",
        "http://",
        "http://u:p@h/",
        "http://h/,suid",
        "http://127.0.0.1:9000",
        "us-east-1",
        "my-bucket",
        "team/data",
        "\n",
        "x\n",
        "\0",
        "😀",
        "\ud800",
        "日本語",
    ];

    /// <summary>A character from <see cref="Alphabet"/>.</summary>
    public static Gen<char> Char { get; } = Gen.Elements(Alphabet);

    /// <summary>A short string over <see cref="Alphabet"/>.</summary>
    public static Gen<string> Short { get; } = Gen.ArrayOf(Char).Select(chars => new string(chars));

    /// <summary>A string of 1,000 to 20,000 characters, which crosses the hook's length limits (255 to 16,384).</summary>
    public static Gen<string> Long { get; } =
        from length in Gen.Choose(1000, 20000)
        from fill in Gen.Elements('a', '=', '-', '/')
        select new string(fill, length);

    /// <summary>Any hostile string: a known problem value, a random short one, a long one, or a mix.</summary>
    public static Gen<string> String { get; } =
        Gen.Frequency(
            (4, Gen.Elements(Samples)),
            (6, Short),
            (1, Long),
            (3, from first in Gen.Elements(Samples) from second in Short select first + second)
        );
}
