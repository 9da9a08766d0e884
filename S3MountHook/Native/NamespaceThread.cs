using LanguageExt;
using LanguageExt.Common;

namespace S3MountHook.Native;

/// <summary>Runs work inside another mount namespace on a thread of its own.</summary>
internal static class NamespaceThread
{
    /// <summary>
    /// Runs <paramref name="work"/> on a new thread that first calls unshare(CLONE_FS) and then
    /// setns(<paramref name="mountNamespace"/>, CLONE_NEWNS), and waits for it to end.
    /// setns(2) rejects CLONE_NEWNS with EINVAL while the caller shares its root and working
    /// directory with other threads, and every thread of a .NET process does until it unshares
    /// CLONE_FS. Only this thread changes namespace, and the change ends with the thread.
    /// A thread-pool thread would carry the namespace into later work, so this is a new thread.
    /// </summary>
    /// <remarks>
    /// NOTE: under the JIT (tests, not the Native AOT binary), an assembly first needed on this
    /// thread is loaded by its path inside the joined namespace. Where that namespace lacks the
    /// host's files, run the same code once before switching.
    /// </remarks>
    public static Fin<T> Run<T>(
        FileDescriptor mountNamespace,
        string namespacePath,
        Func<Fin<T>> work
    )
    {
        var result = Fin<T>.Fail(Error.New("the namespace thread ended without a result"));
        var thread = new Thread(() => result = Enter(mountNamespace, namespacePath, work))
        {
            IsBackground = true,
            Name = "mount namespace",
        };
        thread.Start();
        thread.Join();
        return result;
    }

    private static Fin<T> Enter<T>(
        FileDescriptor mountNamespace,
        string namespacePath,
        Func<Fin<T>> work
    )
    {
        try
        {
            return Libc.Unshare(Libc.CloneFs)
                .Bind(_ => Libc.SetNamespace(mountNamespace, Libc.CloneNewNs, namespacePath))
                .Bind(_ => work());
        }
        catch (Exception exception)
        {
            // An exception that escaped this thread would end the process; the caller gets it
            // back as an error value instead.
            return Error.New(exception);
        }
    }
}
