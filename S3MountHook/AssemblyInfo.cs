// The hook uses Linux mount namespaces, FUSE and /proc; it runs nowhere else.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
