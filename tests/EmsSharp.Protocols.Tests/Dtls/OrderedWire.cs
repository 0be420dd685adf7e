using System.Threading.Channels;
using EmsSharp.Protocols.Dtls;

namespace EmsSharp.Protocols.Tests.Dtls;

/// <summary>
/// One direction of a test network: datagrams reach the peer transport in order on a task of their own, never on the
/// sender's stack (a transport processes what it receives on the receiving thread; delivering inline would nest one
/// side's receive inside the other's send).
/// </summary>
internal sealed class OrderedWire
{
    private readonly Channel<byte[]> _queue = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });

    public OrderedWire(Func<IDtlsTransport?> peer) => _ = DeliverAsync(peer);

    public void Send(byte[] datagram) => _queue.Writer.TryWrite(datagram);

    private async Task DeliverAsync(Func<IDtlsTransport?> peer)
    {
        await foreach (var datagram in _queue.Reader.ReadAllAsync())
        {
            try
            {
                peer()?.HandleDatagram(datagram);
            }
            catch (ObjectDisposedException)
            {
                return; // the test is over
            }
        }
    }
}
