using System.Runtime.InteropServices;

namespace S3MountHook.Errors;

/// <summary>
/// Plain text for the file system exceptions the hook catches. The binary is built with
/// UseSystemResourceKeys, which replaces .NET's exception messages with resource names such as
/// IO_FileNotFound_FileName, so messages for operators are made here instead.
/// </summary>
internal static class ExceptionText
{
    /// <summary>Returns a short lower-case description such as "it does not exist".</summary>
    public static string Describe(Exception error) =>
        error switch
        {
            FileNotFoundException => "it does not exist",
            DirectoryNotFoundException => "a directory on its path does not exist",
            PathTooLongException => "its path is too long",
            UnauthorizedAccessException => "permission denied",
            IOException { HResult: > 0 and < 4096 } io => Marshal
                .GetPInvokeErrorMessage(io.HResult)
                .ToLowerInvariant(),
            IOException => "an I/O error occurred",
            System.Text.Json.JsonException json => $"invalid JSON at {json.Path ?? "$"}",
            _ => error.GetType().Name,
        };
}
