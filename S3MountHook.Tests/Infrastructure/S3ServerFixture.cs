using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Xml.Linq;

namespace S3MountHook.Tests.Infrastructure;

/// <summary>
/// A local S3 server (scripts/s3-server/server.mjs, s3rver 3.7.1) on 127.0.0.1 and a free port,
/// storing its data in a temporary directory. Use it as an xunit class fixture or create one per test.
/// The server starts on first use, so a class whose tests are all skipped never needs node.
/// </summary>
/// <remarks>
/// s3rver accepts anonymous requests, and for signed (V4) requests it checks only that the access key
/// id is registered, never the signature. So a test can prove which access key id a mounter sent,
/// but not which secret key. Registered pairs: <see cref="AccessKey"/>/<see cref="SecretKey"/> and
/// <see cref="AlternateAccessKey"/>/<see cref="AlternateSecretKey"/>.
/// </remarks>
public sealed class S3ServerFixture : IDisposable
{
    /// <summary>s3rver's built-in access key id.</summary>
    public const string AccessKey = "S3RVER";

    /// <summary>s3rver's built-in secret key.</summary>
    public const string SecretKey = "S3RVER";

    /// <summary>A second registered access key id, for tests that check which credentials a mounter used.</summary>
    public const string AlternateAccessKey = "E2EALTERNATEACCESSKEY";

    /// <summary>Secret key of <see cref="AlternateAccessKey"/>.</summary>
    public const string AlternateSecretKey = "E2EALTERNATESECRETKEY";

    /// <summary>Region the server accepts in signatures; s3rver ignores it, mounters need one.</summary>
    public const string Region = "us-east-1";

    private static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(10);

    private readonly Lock startLock = new();
    private DirectoryInfo? workDirectory;
    private Process? serverProcess;
    private HttpClient? httpClient;
    private int port;
    private bool disposed;
    private InvalidOperationException? startFailure;

    /// <summary>TCP port on 127.0.0.1.</summary>
    public int Port => EnsureStarted().port;

    /// <summary>Endpoint URL without a trailing slash, such as http://127.0.0.1:40123.</summary>
    public string EndpointUrl => $"http://127.0.0.1:{Port}";

    /// <summary><see cref="EndpointUrl"/> as a <see cref="Uri"/>.</summary>
    public Uri Endpoint => new(EndpointUrl);

    /// <summary>Directory where s3rver stores buckets and objects.</summary>
    public string DataDirectory => Path.Combine(EnsureStarted().workDirectory!.FullName, "data");

    /// <summary>Path of the server's stderr log, which contains startup errors.</summary>
    public string LogPath => Path.Combine(EnsureStarted().workDirectory!.FullName, "server.stderr");

    /// <summary>Returns a bucket name that no other test uses: "e2e-" + <paramref name="hint"/> + random digits.</summary>
    public static string UniqueBucketName(string hint = "bucket") =>
        $"e2e-{hint}-{Random.Shared.Next(100_000_000, 999_999_999).ToString(CultureInfo.InvariantCulture)}".ToLowerInvariant();

    /// <summary>Creates <paramref name="bucket"/> and stores <paramref name="objects"/> (key to content) in it.</summary>
    public void CreateBucket(string bucket, IReadOnlyDictionary<string, byte[]>? objects = null)
    {
        Send(HttpMethod.Put, $"/{Uri.EscapeDataString(bucket)}", content: null, HttpStatusCode.OK);
        foreach (var (key, content) in objects ?? new Dictionary<string, byte[]>())
        {
            PutObject(bucket, key, content);
        }
    }

    /// <summary>Creates <paramref name="bucket"/> with text objects stored as UTF-8.</summary>
    public void CreateBucket(string bucket, IReadOnlyDictionary<string, string> textObjects) =>
        CreateBucket(
            bucket,
            textObjects.ToDictionary(
                pair => pair.Key,
                pair => System.Text.Encoding.UTF8.GetBytes(pair.Value)
            )
        );

    /// <summary>Stores one object with an anonymous PUT.</summary>
    public void PutObject(string bucket, string key, byte[] content) =>
        Send(HttpMethod.Put, ObjectPath(bucket, key), content, HttpStatusCode.OK);

    /// <summary>Returns the content of an object, or null when the bucket or the key does not exist.</summary>
    public byte[]? GetObject(string bucket, string key)
    {
        using var response = SendRaw(HttpMethod.Get, ObjectPath(bucket, key), content: null);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        EnsureStatus(response, HttpStatusCode.OK, $"GET {bucket}/{key}");
        using var stream = response.Content.ReadAsStream();
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    /// <summary>Returns true when <paramref name="bucket"/> exists.</summary>
    public bool BucketExists(string bucket)
    {
        using var response = SendRaw(
            HttpMethod.Head,
            $"/{Uri.EscapeDataString(bucket)}",
            content: null
        );
        return response.StatusCode == HttpStatusCode.OK;
    }

    /// <summary>Returns every key in <paramref name="bucket"/>, sorted (at most 1000, one ListObjectsV2 page).</summary>
    public IReadOnlyList<string> ListKeys(string bucket)
    {
        using var response = SendRaw(
            HttpMethod.Get,
            $"/{Uri.EscapeDataString(bucket)}?list-type=2",
            content: null
        );
        EnsureStatus(response, HttpStatusCode.OK, $"ListObjectsV2 {bucket}");
        var document = XDocument.Parse(
            response.Content.ReadAsStringAsync().GetAwaiter().GetResult()
        );
        return document
            .Descendants()
            .Where(element => element.Name.LocalName == "Key")
            .Select(element => element.Value)
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Stops the server with SIGTERM (SIGKILL after 10 s) and deletes its data.</summary>
    public void Dispose()
    {
        lock (startLock)
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            httpClient?.Dispose();
            if (serverProcess is not null)
            {
                StopServer(serverProcess);
                serverProcess.Dispose();
            }

            workDirectory?.Delete(recursive: true);
        }
    }

    private static string ObjectPath(string bucket, string key) =>
        $"/{Uri.EscapeDataString(bucket)}/{string.Join('/', key.Split('/').Select(Uri.EscapeDataString))}";

    private static void EnsureStatus(
        HttpResponseMessage response,
        HttpStatusCode expected,
        string request
    )
    {
        if (response.StatusCode != expected)
        {
            var body = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
            throw new InvalidOperationException(
                $"{request} failed: expected HTTP {(int)expected}, got {(int)response.StatusCode}: {body}"
            );
        }
    }

    private static void StopServer(Process process)
    {
        if (process.HasExited)
        {
            return;
        }

        ProcessRunner.Run(
            "kill",
            ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)],
            TimeSpan.FromSeconds(5)
        );
        if (!process.WaitForExit(ShutdownTimeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
    }

    private void Send(HttpMethod method, string path, byte[]? content, HttpStatusCode expected)
    {
        using var response = SendRaw(method, path, content);
        EnsureStatus(response, expected, $"{method} {path}");
    }

    private HttpResponseMessage SendRaw(HttpMethod method, string path, byte[]? content)
    {
        var client = EnsureStarted().httpClient!;
        using var request = new HttpRequestMessage(method, path);
        if (content is not null)
        {
            request.Content = new ByteArrayContent(content);
        }

        return client.Send(request);
    }

    private S3ServerFixture EnsureStarted()
    {
        lock (startLock)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (startFailure is not null)
            {
                throw new InvalidOperationException(
                    "The S3 server failed to start earlier.",
                    startFailure
                );
            }

            if (httpClient is null)
            {
                try
                {
                    Start();
                }
                catch (InvalidOperationException failure)
                {
                    startFailure = failure;
                    throw;
                }
            }

            return this;
        }
    }

    private void Start()
    {
        var node = Requirements.FindOnPath("node")
            ?? throw new InvalidOperationException(
                "node is not on PATH; the S3 server needs Node.js 20 or later."
            );
        workDirectory = Directory.CreateTempSubdirectory("e2e-s3-server-");
        var stdinPath = Path.Combine(workDirectory.FullName, "server.stdin");
        var stdoutPath = Path.Combine(workDirectory.FullName, "server.stdout");
        var stderrPath = Path.Combine(workDirectory.FullName, "server.stderr");
        File.WriteAllText(stdinPath, "");

        string[] arguments =
        [
            Path.Combine(RepositoryPaths.S3ServerDirectory, "server.mjs"),
            "--port",
            "0",
            "--directory",
            Path.Combine(workDirectory.FullName, "data"),
            "--credentials",
            $"{AlternateAccessKey}:{AlternateSecretKey}",
        ];
        serverProcess = ProcessRunner.Start(
            node,
            arguments,
            environment: null,
            RepositoryPaths.S3ServerDirectory,
            stdinPath,
            stdoutPath,
            stderrPath
        );

        string? readyLine = null;
        var ready = Poll.Until(
            () =>
            {
                readyLine = File.ReadAllText(stdoutPath);
                return readyLine.EndsWith('\n') || serverProcess.HasExited;
            },
            StartupTimeout
        );

        if (
            !ready
            || serverProcess.HasExited
            || !readyLine!.StartsWith("ready ", StringComparison.Ordinal)
        )
        {
            var state = serverProcess.HasExited
                ? $"exited with code {serverProcess.ExitCode}"
                : "is still starting";
            StopServer(serverProcess);
            throw new InvalidOperationException(
                $"The S3 server did not print `ready <port>` within {StartupTimeout.TotalSeconds} s; it {state}. "
                    + $"stdout: {File.ReadAllText(stdoutPath)} stderr: {File.ReadAllText(stderrPath)}"
            );
        }

        port = int.Parse(readyLine.AsSpan("ready ".Length).Trim(), CultureInfo.InvariantCulture);
        httpClient = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
    }
}
