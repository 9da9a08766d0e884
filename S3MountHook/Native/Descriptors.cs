using LanguageExt;

namespace S3MountHook.Native;

/// <summary>
/// Helpers that tie the lifetime of a descriptor to one step of a <see cref="Fin{A}"/> chain.
/// </summary>
internal static class Descriptors
{
    /// <summary>
    /// Runs <paramref name="body"/> with the opened resource and disposes it afterwards, on
    /// success, failure and exception alike. A failed open passes its error through.
    /// </summary>
    public static Fin<TResult> Use<TResource, TResult>(
        this Fin<TResource> opened,
        Func<TResource, Fin<TResult>> body
    )
        where TResource : IDisposable =>
        opened.Bind(resource =>
        {
            using (resource)
            {
                return body(resource);
            }
        });

    /// <summary>
    /// Builds a result that takes over <paramref name="descriptor"/>. When the build fails or
    /// throws, the descriptor is closed here, so no path leaks it.
    /// </summary>
    public static Fin<TResult> TransferOrClose<TResult>(
        this FileDescriptor descriptor,
        Func<FileDescriptor, Fin<TResult>> build
    )
    {
        Fin<TResult> result;
        try
        {
            result = build(descriptor);
        }
        catch
        {
            descriptor.Dispose();
            throw;
        }

        if (result.IsFail)
        {
            descriptor.Dispose();
        }

        return result;
    }

    /// <summary>
    /// Returns the errno of a failed system call, or null for success or any other error.
    /// </summary>
    public static int? FailedErrno<T>(this Fin<T> result) =>
        result.Match(Succ: _ => null, Fail: SyscallError.ErrnoOf);
}
