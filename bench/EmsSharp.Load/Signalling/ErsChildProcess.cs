using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace EmsSharp.Load.Signalling;

/// <summary>
/// An <c>ers</c> started as a child process (<c>dotnet ers.dll --config ...</c>) on an ephemeral loopback port,
/// with a config the run writes: the per-IP limits raised so that one loopback address may open every socket of
/// the run (all load comes from 127.0.0.1), no admin port, no static web.
/// </summary>
internal sealed partial class ErsChildProcess : IServerProbe, IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;

    private ErsChildProcess(Process process, string directory)
    {
        _process = process;
        _directory = directory;
    }

    public int Port { get; private set; }

    public int ProcessId => _process.Id;

    public Uri BaseUri => new($"http://127.0.0.1:{Port}/");

    /// <summary>
    /// The config the run hands to <c>ers</c>; see docs/BENCHMARKS.md. A cluster node (<paramref name="redis"/> given)
    /// gets <c>server.redis</c>, and its TURN server ports the system picks so that several nodes fit on one host.
    /// </summary>
    public static string ConfigJson(SignallingOptions options, Uri? redis)
    {
        var limits = new
        {
            maxSocketsPerIp = options.Clients + options.Concurrency + 100,
            handshakesPerSecondPerIp = 100_000,
            handshakeBurst = options.Clients + options.Concurrency + 100,
            maxPeersPerRoom = Math.Max(1000, options.Clients),
            eventsPerSecond = 10_000,
            eventBurst = 10_000,
        };
        return redis is null
            ? JsonSerializer.Serialize(new
            {
                server = new { port = 0, bindIP = "127.0.0.1", webServerEnabled = false, adminAccessEnabled = false },
                limits,
            })
            : JsonSerializer.Serialize(new
            {
                server = new
                {
                    port = 0,
                    bindIP = "127.0.0.1",
                    webServerEnabled = false,
                    adminAccessEnabled = false,
                    redis = redis.Authority,
                },
                turn = new { port = 0, tlsPort = 0 },
                limits,
            });
    }

    public static async Task<ErsChildProcess> StartAsync(SignallingOptions options, Uri? redis, CancellationToken cancellationToken)
    {
        string dll = options.ErsDll ?? FindErsDll()
            ?? throw new FileNotFoundException("ers.dll not found: build src/EmsSharp.Rendezvous -c Release or pass --ers-dll");
        string directory = Directory.CreateTempSubdirectory("ems-load-").FullName;
        string config = Path.Combine(directory, "ers.json");
        await File.WriteAllTextAsync(config, ConfigJson(options, redis), cancellationToken).ConfigureAwait(false);
        ProcessStartInfo start = new("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--config");
        start.ArgumentList.Add(config);

        // Per-join info logs would measure the console, not the server: keep warnings and the start line.
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__EmsSharp.Rendezvous"] = "Information";
        start.Environment["Logging__LogLevel__EmsSharp.Rendezvous.SocketIo"] = "Warning";

        // One line per entry, so that a warning passed on below carries its message (a cluster node degraded, a stall).
        start.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        Process process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        TaskCompletionSource<int> port = new(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                port.TrySetException(new InvalidOperationException("ers exited before listening"));
                return;
            }

            if (StartedLine().Match(e.Data) is { Success: true } match)
            {
                port.TrySetResult(int.Parse(match.Groups[1].ValueSpan, CultureInfo.InvariantCulture));
            }
            else if (e.Data.StartsWith("warn", StringComparison.Ordinal) || e.Data.StartsWith("fail", StringComparison.Ordinal))
            {
                Console.Error.WriteLine($"ers: {e.Data}");
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Console.Error.WriteLine($"ers: {e.Data}");
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        ErsChildProcess child = new(process, directory);
        try
        {
            child.Port = await port.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
            return child;
        }
        catch
        {
            await child.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public ProcessSample Sample() => ProcessSample.Read(_process.Id);

    public ValueTask DisposeAsync() => ChildProcessCleanup.KillAsync(_process, _directory);

    /// <summary>Looks for the Release build of ers next to this tool's source tree.</summary>
    private static string? FindErsDll()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "src", "EmsSharp.Rendezvous", "bin", "Release", "net10.0", "ers.dll");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    [GeneratedRegex(@"ERS signalling on \S+:(\d+)[;,]")]
    private static partial Regex StartedLine();
}
