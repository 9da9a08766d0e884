using System.Diagnostics;
using LanguageExt;
using S3MountHook.Attach;
using S3MountHook.Native;

namespace S3MountHook.Tests.Support;

/// <summary>
/// A stand-in for a runc container before pivot_root. It has a rootfs directory and a sleeping
/// process in its own private mount namespace, where the rootfs is bind-mounted onto itself as
/// runc does. A tmpfs at a staging directory in the test's namespace replaces the FUSE mount.
/// Dispose kills the process, unmounts the staging tmpfs and removes every directory.
/// </summary>
internal sealed class FakeContainer : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);

    private readonly DirectoryInfo baseDirectory = Directory.CreateTempSubdirectory("s3mh-attach-");
    private readonly Process? sleeper;

    /// <param name="mountTmpfs">
    /// Mount the tmpfs stand-in at the staging directory; false leaves it empty for a real mounter.
    /// </param>
    public FakeContainer(bool mountTmpfs = true)
    {
        RootPath = Create("rootfs");
        StagingPath = Create("staging");
        DecoyPath = Create("host");
        StagingSource = $"s3mh-{Guid.NewGuid():N}";
        MarkerName = $"marker-{Guid.NewGuid():N}";
        try
        {
            sleeper = StartSleeper();
            Pid = sleeper.Id;
            Prepare(mountTmpfs);
        }
        catch
        {
            // xunit calls Dispose only after a constructor succeeds.
            Dispose();
            throw;
        }
    }

    public int Pid { get; }

    public string RootPath { get; }

    public string StagingPath { get; }

    /// <summary>
    /// A host directory outside the rootfs that symbolic links in the tests point at.
    /// </summary>
    public string DecoyPath { get; }

    /// <summary>
    /// The tmpfs source name; every clone of the staging mount shows it in mountinfo.
    /// </summary>
    public string StagingSource { get; }

    public string MarkerName { get; }

    public AttachRequest Request(string target, bool readOnly = false) =>
        new(Pid, RootPath, target, StagingPath, readOnly);

    public Fin<AttachResult> Attach(string target, bool readOnly = false) =>
        MountAttacher.Attach(Request(target, readOnly), StagingCheck.AcceptAnyFileSystem);

    /// <summary>
    /// The host path that shows <paramref name="containerPath"/> from inside the container.
    /// </summary>
    public string SeenInside(string containerPath) => $"/proc/{Pid}/root{RootPath}{containerPath}";

    /// <summary>Returns true when the marker file is visible in that container directory.</summary>
    public bool MarkerVisibleInside(string containerPath) =>
        File.Exists(Path.Combine(SeenInside(containerPath), MarkerName));

    /// <summary>
    /// Mount points of staging clones in the container's namespace.
    /// </summary>
    public IReadOnlyList<string> ClonesInside() =>
        ClonesIn(MountTable.ReadProcess(Pid).ThrowIfFail());

    /// <summary>Mount points of staging clones in the test's (host) namespace.</summary>
    public IReadOnlyList<string> ClonesOnHost() => ClonesIn(MountTable.ReadSelf().ThrowIfFail());

    /// <summary>
    /// Runs <paramref name="work"/> on a thread inside the container's mount namespace.
    /// </summary>
    public Fin<T> InNamespace<T>(Func<Fin<T>> work)
    {
        var path = $"/proc/{Pid}/ns/mnt";
        return Libc.Open(path, Libc.OReadOnly | Libc.OCloexec)
            .Use(mountNamespace => NamespaceThread.Run(mountNamespace, path, work));
    }

    /// <summary>Unmounts every staging clone inside the container's namespace.</summary>
    public void DetachClonesInside()
    {
        foreach (var mountPoint in ClonesInside())
        {
            InNamespace(() => Libc.UnmountDetached(mountPoint)).ThrowIfFail();
        }
    }

    public void Dispose()
    {
        // Killing the only process in the namespace destroys it and every mount in it.
        sleeper?.Kill();
        sleeper?.WaitForExit();
        sleeper?.Dispose();
        var unmounted = MountAttacher.DetachStaging(StagingPath);
        var leftovers = ClonesOnHost();
        baseDirectory.Delete(recursive: true);
        unmounted.ThrowIfFail();
        if (leftovers.Count != 0)
        {
            var list = string.Join(", ", leftovers);
            throw new InvalidOperationException($"mounts left on the host: {list}");
        }
    }

    private List<string> ClonesIn(IReadOnlyList<MountInfo> table) =>
        table
            .Where(entry => entry.Source == StagingSource && entry.MountPoint != StagingPath)
            .Select(entry => entry.MountPoint)
            .ToList();

    private void Prepare(bool mountTmpfs)
    {
        WaitForOwnNamespace();
        var bind = TestLibc.MsBind | TestLibc.MsRecursive;
        InNamespace(() => TestLibc.Mount(RootPath, RootPath, null, bind, null)).ThrowIfFail();
        if (mountTmpfs)
        {
            TestLibc
                .Mount(StagingSource, StagingPath, "tmpfs", 0, "size=1m,mode=0755")
                .ThrowIfFail();
            File.WriteAllText(Path.Combine(StagingPath, MarkerName), StagingSource);
        }
    }

    /// <summary>Creates a directory below the fixture's temporary directory.</summary>
    public string Create(string name) =>
        Directory.CreateDirectory(Path.Combine(baseDirectory.FullName, name)).FullName;

    private static Process StartSleeper()
    {
        var info = Commands.StartInfo(
            "unshare",
            "--mount",
            "--propagation",
            "private",
            "sleep",
            "300"
        );
        return Process.Start(info) ?? throw new InvalidOperationException("unshare did not start");
    }

    private void WaitForOwnNamespace()
    {
        var own = NamespaceOf("self");
        var pid = Pid.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var started = SpinWait.SpinUntil(
            () => NamespaceOf(pid) is { } link && link != own,
            StartTimeout
        );
        if (!started)
        {
            throw new TimeoutException($"unshare (pid {Pid}) did not enter a new mount namespace");
        }
    }

    // The link reads "mnt:[INODE]", and a different inode means a different namespace.
    private static string? NamespaceOf(string process)
    {
        try
        {
            return new FileInfo($"/proc/{process}/ns/mnt").LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
