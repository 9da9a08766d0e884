namespace S3MountHook.Native;

/// <summary>File modes and masks, written in octal in comments because C# has no octal literals.</summary>
internal static class UnixMode
{
    /// <summary>0600: the owner reads and writes.</summary>
    public const int OwnerReadWrite = 0x180;

    /// <summary>0700: the owner reads, writes and searches.</summary>
    public const int OwnerAll = 0x1C0;

    /// <summary>0755: everyone reads and searches, the owner writes.</summary>
    public const int DirectoryDefault = 0x1ED;

    /// <summary>umask 077: files created get no group or other permissions.</summary>
    public const uint OwnerOnlyMask = 0x3F;
}
