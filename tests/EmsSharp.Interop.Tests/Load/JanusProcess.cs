using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using EmsSharp.Interop.Tests.Fmp4;

namespace EmsSharp.Interop.Tests.Load;

/// <summary>
/// A Janus (Debian package <c>janus</c>) started with bench/janus/conf rendered into a temporary folder on the given
/// ports (bench/janus/render-conf), its output kept; killed and its folder deleted on dispose.
/// </summary>
internal sealed class JanusProcess : IDisposable
{
    public const string Executable = "/usr/bin/janus";

    private readonly Process _process;
    private readonly string _configFolder;
    private readonly StringBuilder _output = new();

    private JanusProcess(Process process, string configFolder, int webSocketPort)
    {
        _process = process;
        _configFolder = configFolder;
        WebSocketPort = webSocketPort;
    }

    public int WebSocketPort { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Renders the config and starts Janus; <see cref="WaitListeningAsync"/> tells when its API is up.</summary>
    public static JanusProcess Start(int webSocketPort, int videoPort)
    {
        Assert.True(File.Exists(Executable),
            $"Janus is required at {Executable}: install it with `apt-get install -y janus` (Debian package janus, "
            + "1.1.2 on bookworm; it pulls libnice10, libsrtp2-1, libwebsockets17, libusrsctp2 and friends).");
        var folder = Directory.CreateTempSubdirectory("ems-janus-").FullName;
        try
        {
            Render(folder, webSocketPort, videoPort);
            var info = new ProcessStartInfo(Executable)
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
            };
            info.ArgumentList.Add("--configs-folder=" + folder);
            info.ArgumentList.Add("--disable-colors");
            var process = Process.Start(info)!;
            var janus = new JanusProcess(process, folder, webSocketPort);
            process.OutputDataReceived += (_, e) => janus.Append(e.Data);
            process.ErrorDataReceived += (_, e) => janus.Append(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return janus;
        }
        catch
        {
            Directory.Delete(folder, recursive: true);
            throw;
        }
    }

    /// <summary>Waits (polling with a deadline) until the WebSocket port accepts connections.</summary>
    public async Task WaitListeningAsync(TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            Assert.False(_process.HasExited, "janus exited at startup:\n" + Output);
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await probe.ConnectAsync(new IPEndPoint(IPAddress.Loopback, WebSocketPort));
                return;
            }
            catch (SocketException)
            {
                Assert.True(Stopwatch.GetTimestamp() < deadline, "janus never listened on its WebSocket port:\n" + Output);
                await Task.Delay(50);
            }
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
        Directory.Delete(_configFolder, recursive: true);
    }

    private static void Render(string folder, int webSocketPort, int videoPort)
    {
        var info = new ProcessStartInfo("/bin/bash")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(HeadlessChromium.FindRepositoryFile("bench/janus/render-conf"));
        info.ArgumentList.Add(folder);
        info.ArgumentList.Add(webSocketPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        info.ArgumentList.Add(videoPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var render = Process.Start(info)!;
        var errors = render.StandardError.ReadToEnd();
        Assert.True(render.WaitForExit(10_000), "bench/janus/render-conf hung");
        Assert.True(render.ExitCode == 0, "bench/janus/render-conf failed: " + errors);
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
