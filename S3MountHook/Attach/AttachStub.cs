using LanguageExt;
namespace S3MountHook.Attach
{
internal sealed record AttachRequest(int ContainerPid, string RootPath, string Target, string StagingPath, bool ReadOnly);
internal sealed record AttachResult(string ResolvedTarget, string Method);
internal static class MountAttacher
{
    public static Fin<AttachResult> Attach(AttachRequest request) => new AttachResult(request.Target, "stub");
}
}
namespace S3MountHook.Native
{
    internal static partial class Libc
    {
        [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "umount2", SetLastError = true, StringMarshalling = System.Runtime.InteropServices.StringMarshalling.Utf8)]
        private static partial int Umount2Stub(string path, int flags);
        public static Fin<Unit> UnmountDetached(string path) => Umount2Stub(path, 2) == 0 ? Prelude.unit : Prelude.FinFail<Unit>(SyscallError.Last("umount2", path));
    }
}
