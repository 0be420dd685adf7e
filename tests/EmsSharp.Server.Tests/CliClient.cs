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

    /// <summary>
    /// Sends a line to the ASCII CLI and returns the reply's lines in EvoStream's layout: the header (<c>Command entered
    /// successfully!</c> or <c>Command failed!</c>), the description, then the data lines as they are (indented).
    /// </summary>
    public async Task<List<string>> AsciiAsync(string line)
    {
        await SendLineAsync(line);
        var header = await ReadAsciiLineAsync();
        var lines = new List<string> { header, await ReadAsciiLineAsync() };
        Assert.Equal("", await ReadAsciiLineAsync()); // the empty line after the description
        if (header == "Command failed!")
        {
            Assert.Equal("", await ReadAsciiLineAsync());
            return lines;
        }

        // Data lines until the reply's end: an empty line ended by LF alone.
        while (true)
        {
            var data = await ReadAsciiLineAsync(untilLf: true);
            if (data.Length == 0)
                return lines;
            lines.Add(data);
        }
    }

    // One line ended by LF CR (EvoStream's order); untilLf: an empty line is the reply's end, which a lone LF follows.
    private async Task<string> ReadAsciiLineAsync(bool untilLf = false)
    {
        var line = new StringBuilder();
        var buffer = new char[1];
        while (true)
        {
            Assert.Equal(1, await _reader.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
            if (buffer[0] != '\n')
            {
                line.Append(buffer[0]);
                continue;
            }

            Assert.Equal(1, await _reader.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.Equal('\r', buffer[0]);
            if (untilLf && line.Length == 0)
            {
                // The reply's end: an empty line, then a lone LF.
                Assert.Equal(1, await _reader.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
                Assert.Equal('\n', buffer[0]);
            }

            return line.ToString();
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
