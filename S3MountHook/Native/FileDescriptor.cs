using System.Runtime.InteropServices;

namespace S3MountHook.Native;

/// <summary>
/// An owned Linux file descriptor, closed exactly once when disposed or finalized.
/// </summary>
internal sealed class FileDescriptor : SafeHandle
{
    private const int InvalidNumber = -1;

    /// <summary>
    /// Creates an invalid descriptor; the interop marshaller requires this constructor.
    /// </summary>
    public FileDescriptor()
        : base(InvalidNumber, ownsHandle: true) { }

    private FileDescriptor(int number)
        : this() => SetHandle(number);

    /// <inheritdoc/>
    public override bool IsInvalid => handle == InvalidNumber;

    /// <summary>The descriptor number, valid only while this handle is open.</summary>
    public int Number => (int)handle;

    /// <summary>Takes ownership of a descriptor number that a system call returned.</summary>
    public static FileDescriptor Own(int number) => new(number);

    /// <inheritdoc/>
    protected override bool ReleaseHandle() => Libc.Close(Number);
}
