using System.Net;
using System.Net.Sockets;

namespace S3MountHook.Tests.Lifecycle;

/// <summary>
/// A TCP listener on 127.0.0.1 that accepts connections and never sends a byte, so an S3 client
/// pointed at it waits for its own timeout. It makes a mounter that is slow to become ready.
/// </summary>
public sealed class SilentEndpoint : IDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly List<Socket> connections = [];
    private readonly CancellationTokenSource stopping = new();
    private readonly Task accepting;

    /// <summary>Starts listening on a free port.</summary>
    public SilentEndpoint()
    {
        listener.Start();
        accepting = AcceptAsync();
    }

    /// <summary>The endpoint URL to give a mounter.</summary>
    public string Url => $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";

    /// <inheritdoc/>
    public void Dispose()
    {
        stopping.Cancel();
        listener.Stop();
        try
        {
            accepting.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The accept loop ends with a cancellation or a closed listener.
        }

        lock (connections)
        {
            connections.ForEach(connection => connection.Dispose());
        }

        stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            var connection = await listener.AcceptSocketAsync(stopping.Token);
            lock (connections)
            {
                // Kept open and unread until Dispose: the client sees a connected, silent server.
                connections.Add(connection);
            }
        }
    }
}
