using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace EmsSharp.Server.Tests;

/// <summary>A line client for the CLI ports.</summary>
internal sealed class CliClient : IAsyncDisposable
{
    private readonly TcpClient _client;
    private readonly StreamReader _reader;
    private readonly NetworkStream _stream;

    private CliClient(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
        _reader = new StreamReader(_stream, Encoding.UTF8);
    }

    public NetworkStream Stream => _stream;

    /// <summary>Connects to <paramref name="endPoint"/>, from <paramref name="from"/> when given (any 127.x.y.z works on loopback).</summary>
    public static async Task<CliClient> ConnectAsync(System.Net.IPEndPoint endPoint, System.Net.IPAddress? from = null)
    {
        var client = from is null ? new TcpClient() : new TcpClient(new System.Net.IPEndPoint(from, 0));
        await client.ConnectAsync(endPoint);
        return new CliClient(client);
    }

    public async Task SendLineAsync(string line)
    {
        var bytes = Encoding.UTF8.GetBytes(line + "\n");
        await _stream.WriteAsync(bytes);
    }

    /// <summary>Sends a line to the JSON CLI and parses the one-line reply.</summary>
    public async Task<JsonElement> JsonAsync(string line)
    {
        await SendLineAsync(line);
        var reply = await _reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.NotNull(reply);
        return Envelope.Parse(reply);
    }

    /// <summary>Sends a line to the ASCII CLI and returns the reply lines (up to the empty line).</summary>
    public async Task<List<string>> AsciiAsync(string line)
    {
        await SendLineAsync(line);
        var lines = new List<string>();
        while (true)
        {
            var l = await _reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10));
            if (l is null || l.Length == 0)
                return lines;
            lines.Add(l);
        }
    }

    public Task<string?> ReadLineAsync() => _reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10));

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}
