using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EmsSharp.Interop.Tests.Hardening;

/// <summary>
/// Connections one attacker address holds on a listener: every other one says nothing, the rest send the start of a
/// request and stop there (half a handshake, line or header block), or trickle it a byte at a time.
/// </summary>
internal sealed class SlowClients : IDisposable
{
    private readonly List<Socket> _sockets = [];
    private readonly ReadOnlyMemory<byte> _start;
    private readonly HashSet<Socket> _closed = [];
    private int _trickled;

    private SlowClients(ReadOnlyMemory<byte> start) => _start = start;

    public int Count => _sockets.Count;

    /// <summary>
    /// Opens <paramref name="count"/> connections from <paramref name="from"/>; the odd ones send <paramref name="start"/>
    /// at once, unless <paramref name="trickle"/> (then every one sends it later, a byte per <see cref="TrickleAsync"/>).
    /// </summary>
    public static async Task<SlowClients> OpenAsync(
        IPEndPoint server, IPAddress from, int count, ReadOnlyMemory<byte> start, bool trickle, CancellationToken token)
    {
        var clients = new SlowClients(start);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                clients._sockets.Add(socket);
                socket.Bind(new IPEndPoint(from, 0));
                try
                {
                    await socket.ConnectAsync(server, token);
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
                {
                    clients._closed.Add(socket); // over a per-address cap: aborted at accept, before the connect completed
                    continue;
                }

                if (!trickle && i % 2 == 1)
                    await clients.SendAsync(socket, start, token);
            }
        }
        catch
        {
            clients.Dispose();
            throw;
        }

        return clients;
    }

    /// <summary>Sends the next byte of the request's start on every connection the server has not closed.</summary>
    public async Task TrickleAsync(CancellationToken token)
    {
        var next = _start.Slice(_trickled++ % _start.Length, 1);
        foreach (var socket in _sockets)
            await SendAsync(socket, next, token);
    }

    /// <summary>
    /// How many connections the server has closed (refused at accept, or timed out) so far; what it sent them first goes
    /// to <paramref name="replies"/>.
    /// </summary>
    public int ClosedByServer(ReplyLeaks replies, string source)
    {
        var buffer = new byte[4096];
        foreach (var socket in _sockets)
        {
            try
            {
                while (!_closed.Contains(socket) && socket.Poll(0, SelectMode.SelectRead))
                {
                    var read = socket.Receive(buffer);
                    if (read == 0)
                        _closed.Add(socket);
                    replies.Add(source, Encoding.UTF8.GetString(buffer, 0, read));
                }
            }
            catch (SocketException)
            {
                _closed.Add(socket); // reset
            }
        }

        return _closed.Count;
    }

    public void Dispose()
    {
        foreach (var socket in _sockets)
            socket.Dispose();
    }

    private async Task SendAsync(Socket socket, ReadOnlyMemory<byte> bytes, CancellationToken token)
    {
        try
        {
            await socket.SendAsync(bytes, token);
        }
        catch (SocketException)
        {
            _closed.Add(socket); // already refused and closed by the server
        }
    }
}
