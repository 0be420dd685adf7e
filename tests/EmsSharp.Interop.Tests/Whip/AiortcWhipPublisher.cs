using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using EmsSharp.Interop.Tests.Playback;

namespace EmsSharp.Interop.Tests.Whip;

/// <summary>
/// tests/python/whip_publish.py running: a WHIP publisher on aiortc (Debian's python3-aiortc, a WebRTC stack we did
/// not write) that POSTs its offer, sends a generated test pattern (H.264) and a 440 Hz tone (Opus) for a while, then
/// DELETEs its session. Its events (one JSON object a line) are read as they come.
/// </summary>
internal sealed class AiortcWhipPublisher : IAsyncDisposable
{
    private const string Python = "/usr/bin/python3";
    private readonly Process _process;
    private readonly Channel<JsonElement> _events = Channel.CreateUnbounded<JsonElement>();
    private readonly StringBuilder _log = new();

    private AiortcWhipPublisher(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => OnLine(e.Data, parse: true);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data, parse: false);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>What the publisher printed so far (events and stderr).</summary>
    public string Log
    {
        get
        {
            lock (_log)
                return _log.ToString();
        }
    }

    /// <summary>
    /// Starts publishing to <paramref name="url"/> for <paramref name="seconds"/> once connected; inside the namespace of
    /// <paramref name="link"/> when one is given.
    /// </summary>
    public static AiortcWhipPublisher Start(string url, int seconds, string? token = null, LossyLink? link = null)
    {
        if (!File.Exists(Python))
            throw new FileNotFoundException("/usr/bin/python3 with python3-aiortc is required (scripts/setup installs it)", Python);
        string[] command = link is null ? [Python] : [.. link.Exec(), Python];
        var info = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var part in command.Skip(1))
            info.ArgumentList.Add(part);
        info.ArgumentList.Add(Path.Combine(PlaybackRig.FindRepositoryRoot(), "tests", "python", "whip_publish.py"));
        info.ArgumentList.Add(url);
        info.ArgumentList.Add("--seconds");
        info.ArgumentList.Add(seconds.ToString(CultureInfo.InvariantCulture));
        if (token is not null)
        {
            info.ArgumentList.Add("--token");
            info.ArgumentList.Add(token);
        }

        return new AiortcWhipPublisher(Process.Start(info)!);
    }

    /// <summary>The next event; it must be <paramref name="name"/> and come within <paramref name="timeout"/>.</summary>
    public async Task<JsonElement> NextAsync(string name, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        JsonElement next;
        try
        {
            next = await _events.Reader.ReadAsync(cancel.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
        {
            throw new TimeoutException($"no {name} event from the WHIP publisher within {timeout}:\n{Log}", e);
        }

        var got = next.GetProperty("event").GetString();
        return got == name ? next : throw new InvalidOperationException($"the WHIP publisher said {got}, not {name}:\n{Log}");
    }

    /// <summary>Waits for the publisher to exit and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void OnLine(string? line, bool parse)
    {
        if (line is null)
        {
            if (parse)
                _events.Writer.TryComplete();
            return;
        }

        lock (_log)
            _log.AppendLine(line);
        if (parse && line.StartsWith('{'))
            _events.Writer.TryWrite(JsonSerializer.Deserialize<JsonElement>(line));
    }
}
