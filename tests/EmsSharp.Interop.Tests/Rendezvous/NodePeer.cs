using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;

namespace EmsSharp.Interop.Tests.Rendezvous;

/// <summary>
/// A node script from tests/node (the real socket.io 0.9 packages) talking JSON lines on stdin/stdout.
/// A missing node or node_modules is a test failure, never a skip.
/// </summary>
internal sealed class NodePeer : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private readonly Process _process;
    private readonly Channel<JsonElement> _lines = Channel.CreateUnbounded<JsonElement>();
    private readonly List<JsonElement> _seen = [];
    private readonly Task _reader;

    private NodePeer(Process process)
    {
        _process = process;
        _reader = ReadAsync();
    }

    public static string NodeDirectory
    {
        get
        {
            for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "tests", "node");
                if (File.Exists(Path.Combine(candidate, "package.json")))
                {
                    return candidate;
                }
            }

            throw new InvalidOperationException("tests/node not found above " + AppContext.BaseDirectory);
        }
    }

    public static NodePeer Start(string script, params string[] args)
    {
        string dir = NodeDirectory;
        Assert.True(Directory.Exists(Path.Combine(dir, "node_modules", "socket.io-client")),
            $"socket.io 0.9 packages are missing: run `npm install` in {dir}");
        ProcessStartInfo info = new("node")
        {
            WorkingDirectory = dir,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = false,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(script);
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return new NodePeer(Process.Start(info) ?? throw new InvalidOperationException("node did not start"));
    }

    /// <summary>Starts sio-client.js (socket.io-client@0.9.16) against the ers on <paramref name="port"/>; its session id once connected.</summary>
    public static async Task<(NodePeer Peer, string Id)> ConnectSocketIoAsync(int port)
    {
        NodePeer peer = Start("sio-client.js", $"http://127.0.0.1:{port}");
        JsonElement connect = await peer.WaitAsync("connect");
        return (peer, connect.GetProperty("id").GetString()!);
    }

    /// <summary>An sio-client.js peer's <c>join(room, opts)</c>: the ack's arguments.</summary>
    public async Task<JsonElement> JoinAsync(string room, object opts)
    {
        await SendAsync(new { cmd = "join", room, opts });
        return (await WaitAsync("ack")).GetProperty("args");
    }

    public Task SendAsync(object command) => _process.StandardInput.WriteLineAsync(JsonSerializer.Serialize(command));

    /// <summary>Waits for the next line with <c>ev</c> == <paramref name="ev"/> matching <paramref name="match"/>.</summary>
    public async Task<JsonElement> WaitAsync(string ev, Func<JsonElement, bool>? match = null)
    {
        bool Matches(JsonElement e) => e.GetProperty("ev").GetString() == ev && (match is null || match(e));
        int index = _seen.FindIndex(Matches);
        if (index >= 0)
        {
            JsonElement found = _seen[index];
            _seen.RemoveAt(index);
            return found;
        }

        using CancellationTokenSource cts = new(Timeout);
        while (true)
        {
            JsonElement line;
            try
            {
                line = await _lines.Reader.ReadAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"no '{ev}' from node; seen: {string.Join(" | ", _seen)}");
            }

            if (Matches(line))
            {
                return line;
            }

            _seen.Add(line);
        }
    }

    /// <summary>True when no line with <c>ev</c> == <paramref name="ev"/> has arrived so far.</summary>
    public bool HasNo(string ev)
    {
        while (_lines.Reader.TryRead(out JsonElement line))
        {
            _seen.Add(line);
        }

        return !_seen.Exists(e => e.GetProperty("ev").GetString() == ev);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(2000))
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }

        await _reader.WaitAsync(Timeout);
        _process.Dispose();
    }

    private async Task ReadAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.StartsWith('{'))
            {
                _lines.Writer.TryWrite(JsonDocument.Parse(line).RootElement.Clone());
            }
        }

        _lines.Writer.TryComplete();
    }
}
