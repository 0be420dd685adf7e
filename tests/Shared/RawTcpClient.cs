using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EmsSharp.Tests.Shared;

/// <summary>
/// A plain TCP connection from a chosen source address (any 127.x.y.z works on Linux loopback), for the connection
/// caps: holds a slot, sends a raw HTTP/1.1 request, tells whether the server closed it.
/// </summary>
internal sealed class RawTcpClient : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly TcpClient _client;

    private RawTcpClient(TcpClient client) => _client = client;

    public NetworkStream Stream => _client.GetStream();

    /// <summary>Connects to <paramref name="server"/> from <paramref name="from"/>.</summary>
    public static async Task<RawTcpClient> ConnectAsync(IPEndPoint server, IPAddress from)
    {
        var client = new TcpClient(new IPEndPoint(from, 0));
        try
        {
            await client.ConnectAsync(server).WaitAsync(Timeout);
            return new RawTcpClient(client);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Sends <c>GET <paramref name="path"/></c> (kept alive) and returns the status code and the body.</summary>
    public async Task<(int Status, string Body)> GetAsync(string path, string host = "127.0.0.1")
    {
        await Stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n"));
        var status = int.Parse((await ReadLineAsync()).Split(' ')[1], CultureInfo.InvariantCulture);
        int? length = null;
        var chunked = false;
        for (var line = await ReadLineAsync(); line.Length > 0; line = await ReadLineAsync())
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var (name, value) = (line[..colon], line[(colon + 1)..].Trim());
            length = name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) ? int.Parse(value, CultureInfo.InvariantCulture) : length;
            chunked |= name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) && value == "chunked";
        }

        var body = new MemoryStream();
        if (chunked)
        {
            // RFC 9112 §7.1: hex size lines, each chunk followed by CRLF; a zero size and an empty line end it.
            for (var size = ChunkSize(await ReadLineAsync()); size > 0; size = ChunkSize(await ReadLineAsync()))
            {
                body.Write(await ReadBytesAsync(size));
                await ReadLineAsync();
            }

            await ReadLineAsync();
        }
        else
        {
            body.Write(await ReadBytesAsync(length ?? 0));
        }

        return (status, Encoding.UTF8.GetString(body.ToArray()));
    }

    /// <summary>
    /// True when a connection from <paramref name="from"/> is closed by the server at once, without a byte: reset
    /// while connecting (an abort can beat the connect's completion), or an end of stream or reset on the first read.
    /// </summary>
    public static async Task<bool> IsClosedAtOnceAsync(IPEndPoint server, IPAddress from)
    {
        RawTcpClient client;
        try
        {
            client = await ConnectAsync(server, from);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            return true;
        }

        using (client)
        {
            try
            {
                return await client.Stream.ReadAsync(new byte[1]).AsTask().WaitAsync(Timeout) == 0;
            }
            catch (IOException)
            {
                return true; // reset
            }
        }
    }

    public void Dispose() => _client.Dispose();

    private static int ChunkSize(string line) => int.Parse(line, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private async Task<byte[]> ReadBytesAsync(int count)
    {
        var bytes = new byte[count];
        await Stream.ReadExactlyAsync(bytes).AsTask().WaitAsync(Timeout);
        return bytes;
    }

    private async Task<string> ReadLineAsync()
    {
        var line = new List<byte>();
        var one = new byte[1];
        while (line.Count < 2 || line[^2] != '\r' || line[^1] != '\n')
        {
            if (await Stream.ReadAsync(one).AsTask().WaitAsync(Timeout) == 0)
                throw new IOException("closed in the middle of a response");
            line.Add(one[0]);
        }

        return Encoding.ASCII.GetString([.. line[..^2]]);
    }
}
