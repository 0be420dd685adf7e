using System.Diagnostics;
using System.Globalization;
using EmsSharp.Interop.Tests.Ingest;

namespace EmsSharp.Interop.Tests.Cluster;

/// <summary>
/// A real redis-server (Debian's) on a free loopback port, with nothing saved to disk; stopped (killed) and started again
/// on the same port to take Redis away from a running cluster. A missing redis-server is a failure, never a skip.
/// </summary>
internal sealed class RedisServer : IDisposable
{
    private const string Binary = "/usr/bin/redis-server";
    private LoggedProcess? _process;

    private RedisServer(int port) => Port = port;

    public int Port { get; }

    /// <summary>The <c>server.redis</c> of an ers using it.</summary>
    public string Configuration => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port}");

    public static async Task<RedisServer> StartAsync()
    {
        Assert.True(File.Exists(Binary), $"{Binary} is missing: apt-get install redis-server (.ci/run installs it)");
        var redis = new RedisServer(FreePort.Get());
        await redis.StartAgainAsync();
        return redis;
    }

    /// <summary>Starts it (again) on its port, empty, and waits until it accepts connections.</summary>
    public async Task StartAgainAsync()
    {
        var info = new ProcessStartInfo(Binary);
        foreach (var argument in (string[])["--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", Path.GetTempPath()])
        {
            info.ArgumentList.Add(argument);
        }

        _process = LoggedProcess.Start("redis", info);
        await _process.WaitForLineAsync("Ready to accept connections", TimeSpan.FromSeconds(15));
    }

    /// <summary>Kills it: every client's connection drops at once.</summary>
    public void Stop()
    {
        _process?.Dispose();
        _process = null;
    }

    public void Dispose() => Stop();
}
