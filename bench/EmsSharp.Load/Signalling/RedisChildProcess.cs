using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace EmsSharp.Load.Signalling;

/// <summary>
/// Debian's redis-server started for one run (<c>--redis</c>): on a free 127.0.0.1 port, nothing saved
/// (<c>--save ""</c>, no append-only file), killed at the end.
/// </summary>
internal sealed class RedisChildProcess(Process process, string directory, int port) : IAsyncDisposable
{
    private const string Binary = "/usr/bin/redis-server";

    /// <summary>Its address, host and port as <see cref="SignallingOptions.RedisTarget"/> holds one.</summary>
    public Uri Uri { get; } = new($"http://127.0.0.1:{port}/");

    public int ProcessId => process.Id;

    public static async Task<RedisChildProcess> StartAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(Binary))
        {
            throw new FileNotFoundException($"{Binary} is missing: apt-get install redis-server, or pass --redis-config host:port");
        }

        int port = FreeLoopbackPort();
        string directory = Directory.CreateTempSubdirectory("ems-load-redis-").FullName;
        ProcessStartInfo start = new(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in (string[])["--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory])
        {
            start.ArgumentList.Add(argument);
        }

        Process process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start");
        TaskCompletionSource ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                ready.TrySetException(new InvalidOperationException("redis-server exited before accepting connections"));
            }
            else if (e.Data.Contains("Ready to accept connections", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Console.Error.WriteLine($"redis: {e.Data}");
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        RedisChildProcess redis = new(process, directory, port);
        try
        {
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(15), cancellationToken).ConfigureAwait(false);
            return redis;
        }
        catch
        {
            await redis.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public ValueTask DisposeAsync() => ChildProcessCleanup.KillAsync(process, directory);

    /// <summary>A port the system has just handed out on 127.0.0.1 (redis-server takes no port 0).</summary>
    private static int FreeLoopbackPort()
    {
        using TcpListener listener = new(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
