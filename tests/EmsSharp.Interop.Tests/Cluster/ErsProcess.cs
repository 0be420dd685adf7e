using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using EmsSharp.Interop.Tests.Ingest;

namespace EmsSharp.Interop.Tests.Cluster;

/// <summary>
/// The built ers as its own process (a cluster node the tests kill): signalling and the admin API on free loopback ports,
/// serving the repository's web/ folder, TURN on ports the system picks, the given Redis; its log is the output.
/// </summary>
internal sealed class ErsProcess : IDisposable
{
    private int _disposed;

    private ErsProcess(LoggedProcess process, int port, int adminPort)
    {
        Process = process;
        Port = port;
        AdminPort = adminPort;
    }

    public LoggedProcess Process { get; }

    /// <summary>The signalling port.</summary>
    public int Port { get; }

    /// <summary>The admin API's port.</summary>
    public int AdminPort { get; }

    /// <param name="name">Its name in the log.</param>
    /// <param name="redis">Its <c>server.redis</c>; null: an ers alone.</param>
    /// <param name="tokensEnabled"><c>server.tokensEnabled</c>: viewers need a token, and so does the ems.</param>
    /// <param name="multiEmsRooms"><c>server.multiEmsRooms</c>: several ems per room.</param>
    public static async Task<ErsProcess> StartAsync(string name, string? redis, bool tokensEnabled = false, bool multiEmsRooms = false)
    {
        var root = Playback.PlaybackRig.FindRepositoryRoot();
        var configuration = typeof(ErsProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var ersDll = Path.Combine(root, "src", "EmsSharp.Rendezvous", "bin", configuration, "net10.0", "ers.dll");
        Assert.True(File.Exists(ersDll), $"build the solution with -c {configuration} first: {ersDll}");
        var port = FreePort.Get();
        var adminPort = FreePort.Get();
        var folder = Directory.CreateTempSubdirectory("ers-node-").FullName;
        var config = Path.Combine(folder, "default.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new
        {
            server = new { port, bindIP = "127.0.0.1", adminPort, redis, tokensEnabled, multiEmsRooms, webRoot = Path.Combine(root, "web") },
            turn = new { port = 0, tlsPort = 0 },
            stateFile = (string?)null,
        }));
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet");
        info.ArgumentList.Add(ersDll);
        info.ArgumentList.Add("--config");
        info.ArgumentList.Add(config);
        var process = LoggedProcess.Start(name, info);
        await process.WaitForLineAsync("ERS signalling on", TimeSpan.FromSeconds(30));
        return new ErsProcess(process, port, adminPort);
    }

    /// <summary>Kills it (SIGKILL; once): its sockets drop, and it says nothing to Redis.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Process.Dispose();
        }
    }
}
