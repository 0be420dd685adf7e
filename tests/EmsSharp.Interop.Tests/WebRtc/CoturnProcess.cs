using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace EmsSharp.Interop.Tests.WebRtc;

/// <summary>
/// coturn (Debian's <c>turnserver</c>) on 127.0.0.1 with TURN REST credentials (<c>--use-auth-secret</c>), no TLS, no
/// CLI, loopback peers allowed; killed on dispose. Ready once it listens (its log says so).
/// </summary>
internal sealed class CoturnProcess : IDisposable
{
    private const string Secret = "emssharp-coturn-test";
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private CoturnProcess(Process process, int port, int minRelayPort, int maxRelayPort)
    {
        _process = process;
        Port = port;
        MinRelayPort = minRelayPort;
        MaxRelayPort = maxRelayPort;
    }

    public int Port { get; }

    public int MinRelayPort { get; }

    public int MaxRelayPort { get; }

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public static async Task<CoturnProcess> StartAsync()
    {
        Assert.True(File.Exists("/usr/bin/turnserver"), "coturn is required at /usr/bin/turnserver (scripts/setup installs it)");
        var port = LoopbackPort.Closed();
        // A relay range of its own per run, so parallel runs do not share relay ports.
        var minRelay = 40000 + (Environment.ProcessId % 200 * 100);
        var info = new ProcessStartInfo("/usr/bin/turnserver")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var a in new[]
        {
            "-n", "-v", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1", $"--listening-port={port}",
            $"--min-port={minRelay}", $"--max-port={minRelay + 99}", "--use-auth-secret", $"--static-auth-secret={Secret}",
            "--realm=emssharp.test", "--no-tls", "--no-dtls", "--no-cli", "--allow-loopback-peers", "--fingerprint",
            "--log-file=stdout", "--simple-log", "--pidfile=", "--no-software-attribute",
        })
        {
            info.ArgumentList.Add(a);
        }

        var process = Process.Start(info)!;
        var coturn = new CoturnProcess(process, port, minRelay, minRelay + 99);
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLine(object s, DataReceivedEventArgs e)
        {
            if (e.Data is null)
            {
                listening.TrySetException(new InvalidOperationException("coturn exited:\n" + coturn.Log));
                return;
            }

            lock (coturn._log)
            {
                coturn._log.AppendLine(e.Data);
            }

            // coturn (verbose) logs its TCP listener on the port once it accepts connections.
            if (e.Data.Contains("TCP listener opened on", StringComparison.Ordinal) && e.Data.Contains($":{port}", StringComparison.Ordinal))
            {
                listening.TrySetResult();
            }
        }

        process.OutputDataReceived += OnLine;
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (coturn._log)
                {
                    coturn._log.AppendLine(e.Data);
                }
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await listening.Task.WaitAsync(TimeSpan.FromSeconds(15));
        }
        catch
        {
            coturn.Dispose();
            throw;
        }

        return coturn;
    }

    /// <summary>TURN REST credentials (draft-uberti-behave-turn-rest §2.2) valid for an hour.</summary>
    public static (string Username, string Password) Credentials(string tag)
    {
        var username = (DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 3600).ToString(CultureInfo.InvariantCulture) + ":" + tag;
        return (username, EmsSharp.Protocols.Turn.TurnRestCredentials.ComputePassword(Secret, username));
    }

    public void Dispose() => _process.KillAndDispose();
}
