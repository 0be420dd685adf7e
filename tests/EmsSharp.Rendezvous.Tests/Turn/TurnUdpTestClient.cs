using System.Net;
using System.Net.Sockets;
using System.Text;
using EmsSharp.Protocols.Stun;
using EmsSharp.Protocols.Turn;

namespace EmsSharp.Rendezvous.Tests.Turn;

/// <summary>A minimal TURN client over a real UDP socket: Allocate with long-term credentials, CreatePermission.</summary>
internal sealed class TurnUdpTestClient(int port, string username, string password, string realm = "emssharp") : IDisposable
{
    private readonly UdpClient _udp = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly IPEndPoint _server = new(IPAddress.Loopback, port);
    private string? _nonce;

    public IPEndPoint? Relay { get; private set; }

    /// <summary>Allocate (after the 401 challenge); returns the final response's error code, 0 on success.</summary>
    public async Task<int> AllocateAsync()
    {
        StunMessage response = await RequestAsync(TurnMethod.Allocate, r => r.AddUInt32(StunAttributeType.RequestedTransport, 17u << 24));
        if (response.TryGetAttribute(StunAttributeType.XorRelayedAddress, out byte[] relayed))
        {
            StunXorAddress.TryDecode(relayed, response.TransactionId, out IPEndPoint? relay);
            Relay = relay;
        }

        return Code(response);
    }

    public async Task<int> CreatePermissionAsync(IPEndPoint peer) =>
        Code(await RequestAsync(TurnMethod.CreatePermission, r => r.Add(StunAttributeType.XorPeerAddress, StunXorAddress.Encode(peer, r.TransactionId))));

    public void Dispose() => _udp.Dispose();

    private static int Code(StunMessage response) => response.TryGetErrorCode(out int code, out _) ? code : 0;

    private async Task<StunMessage> RequestAsync(ushort method, Action<StunMessage> attributes)
    {
        for (int attempt = 0; ; attempt++)
        {
            StunMessage request = new(StunClass.Request, method, StunMessage.NewTransactionId());
            attributes(request);
            if (_nonce is not null)
            {
                request.AddUsername(username);
                request.Add(StunAttributeType.Realm, Encoding.UTF8.GetBytes(realm));
                request.Add(StunAttributeType.Nonce, Encoding.ASCII.GetBytes(_nonce));
                request.IntegrityKey = TurnLongTermKey.Derive(username, realm, password);
            }

            await _udp.SendAsync(request.ToArray(), _server);
            using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(10));
            UdpReceiveResult result = await _udp.ReceiveAsync(timeout.Token);
            Assert.True(StunMessage.TryRead(result.Buffer, out StunMessage? response, out _));
            Assert.Equal(request.TransactionId, response!.TransactionId);
            if (response.TryGetAttribute(StunAttributeType.Nonce, out byte[] nonce) && attempt == 0 && Code(response) is 401 or 438)
            {
                _nonce = Encoding.ASCII.GetString(nonce);
                continue;
            }

            return response;
        }
    }
}
