using System.Buffers.Binary;
using System.Net;
using System.Text;
using EmsSharp.Protocols.Stun;

namespace EmsSharp.Protocols.Turn;

/// <summary>
/// A sans-IO STUN (RFC 8489) and TURN (RFC 8656, UDP relays) server core. The driver feeds it client
/// packets (<see cref="HandleInbound"/>), peer packets arriving on relay sockets
/// (<see cref="HandleRelayInbound"/>) and time (<see cref="HandleTimeout"/>), and sends what
/// <see cref="TryPollTransmit"/> yields. Not thread-safe: one owner calls it.
/// </summary>
public sealed partial class TurnServer
{
    /// <summary>Largest relayed payload (DATA or ChannelData application data); larger packets are dropped.</summary>
    public const int MaxPayloadLength = 1500;

    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(1);

    /// <summary>Comprehension-required attributes this server understands (RFC 8489 §6.3.1: others get 420).</summary>
    private static readonly HashSet<ushort> KnownRequired =
    [
        StunAttributeType.Username, StunAttributeType.MessageIntegrity, StunAttributeType.MessageIntegritySha256,
        StunAttributeType.ErrorCode, StunAttributeType.Realm, StunAttributeType.Nonce, StunAttributeType.ChannelNumber,
        StunAttributeType.Lifetime, StunAttributeType.XorPeerAddress, StunAttributeType.Data,
        StunAttributeType.RequestedAddressFamily, StunAttributeType.EvenPort, StunAttributeType.RequestedTransport,
        StunAttributeType.DontFragment, StunAttributeType.ReservationToken,
    ];

    private readonly TurnServerOptions _options;
    private readonly ITurnCredentialStore _credentials;
    private readonly IRelayPortAllocator _relays;
    private readonly TurnPeerPolicy _peers;
    private readonly TurnNonces _nonces;
    private readonly byte[] _realm;
    private readonly Dictionary<TurnFiveTuple, TurnAllocation> _byClient = [];
    private readonly Dictionary<IPEndPoint, TurnAllocation> _byRelay = [];
    private readonly Dictionary<string, int> _perUser = new(StringComparer.Ordinal);
    private readonly Dictionary<IPAddress, int> _perIp = [];
    private readonly Queue<TurnTransmit> _transmits = new();
    private TimeSpan _nextSweep;

    /// <summary>Creates a server core.</summary>
    /// <param name="options">Lifetimes, quotas and rate bounds.</param>
    /// <param name="credentials">The long-term credential seam.</param>
    /// <param name="relays">The relay socket seam.</param>
    /// <param name="peers">Which peer addresses relays may talk to.</param>
    public TurnServer(TurnServerOptions options, ITurnCredentialStore credentials, IRelayPortAllocator relays, TurnPeerPolicy peers)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _credentials = credentials;
        _relays = relays;
        _peers = peers;
        _nonces = new TurnNonces(options.NonceLifetime);
        _realm = Encoding.UTF8.GetBytes(options.Realm);
    }

    /// <summary>What the server did and refused.</summary>
    public TurnCounters Counters { get; } = new();

    /// <summary>Live allocations.</summary>
    public int AllocationCount => _byClient.Count;

    /// <summary>When <see cref="HandleTimeout"/> wants to run next, or null with no allocations.</summary>
    public TimeSpan? NextTimeout => _byClient.Count == 0 ? null : _nextSweep;

    /// <summary>Takes the next packet to send.</summary>
    public bool TryPollTransmit(out TurnTransmit transmit) => _transmits.TryDequeue(out transmit);

    /// <summary>
    /// A packet from a client: one UDP datagram, or one frame of a stream (see <see cref="TurnStreamFraming"/>).
    /// Malformed input is counted and dropped.
    /// </summary>
    public void HandleInbound(ReadOnlySpan<byte> data, TurnFiveTuple client, TimeSpan now)
    {
        if (!data.IsEmpty && data[0] >> 6 == 1)
        {
            HandleChannelData(data, client, now);
            return;
        }

        // One datagram (or one stream frame) holds exactly one STUN message.
        if (!StunMessage.TryRead(data, out StunMessage? message, out int consumed) || consumed != data.Length
            || !StunMessage.VerifyFingerprint(data, message!))
        {
            Counters.Malformed++;
            return;
        }

        switch (message!.Class)
        {
            case StunClass.Request:
                HandleRequest(data, message, client, now);
                break;
            case StunClass.Indication when message.Method == TurnMethod.Send:
                HandleSend(message, client, now);
                break;
            case StunClass.Indication:
                break; // RFC 8489 §6.3.2: other indications (Binding keepalives) need nothing.
            case StunClass.SuccessResponse:
            case StunClass.ErrorResponse:
                Counters.Malformed++;
                break;
        }
    }

    /// <summary>A datagram from <paramref name="peer"/> on the relay socket of <paramref name="relay"/> (RFC 8656 §11.3, §12.6).</summary>
    public void HandleRelayInbound(IPEndPoint relay, IPEndPoint peer, ReadOnlySpan<byte> payload, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(relay);
        ArgumentNullException.ThrowIfNull(peer);
        if (!_byRelay.TryGetValue(relay, out TurnAllocation? allocation) || !IsLive(allocation, now))
        {
            Counters.DroppedNoAllocation++;
            return;
        }

        if (payload.Length > MaxPayloadLength)
        {
            Counters.DroppedTooLarge++;
            return;
        }

        if (!_peers.IsAllowed(peer.Address))
        {
            Counters.DroppedForbiddenPeer++;
            return;
        }

        // RFC 8656 §11.3 / §12.6: only from peers with a permission; ports are not compared.
        if (!allocation.HasPermission(peer.Address, now))
        {
            Counters.DroppedNoPermission++;
            return;
        }

        if (!allocation.Rate.TryTake(payload.Length, now))
        {
            Counters.DroppedRateLimited++;
            return;
        }

        Counters.RelayedToClients++;
        if (allocation.ChannelsByPeer.TryGetValue(peer, out TurnChannel? channel) && channel.IsActive(now))
        {
            bool padded = allocation.Client.Transport != TurnTransport.Udp;
            var frame = new byte[TurnChannelData.GetSerializedLength(payload.Length, padded)];
            TurnChannelData.TryWrite(frame, channel.Number, payload, padded, out _);
            _transmits.Enqueue(new TurnTransmit(allocation.Client, null, null, frame));
            return;
        }

        // RFC 8656 §11.3: a Data indication with XOR-PEER-ADDRESS and DATA.
        StunMessage data = new(StunClass.Indication, TurnMethod.Data, StunMessage.NewTransactionId());
        data.Add(StunAttributeType.XorPeerAddress, StunXorAddress.Encode(peer, data.TransactionId));
        data.Add(StunAttributeType.Data, payload.ToArray());
        _transmits.Enqueue(new TurnTransmit(allocation.Client, null, null, data.ToArray()));
    }

    /// <summary>Expires allocations, permissions and channels.</summary>
    public void HandleTimeout(TimeSpan now)
    {
        if (now < _nextSweep)
        {
            return;
        }

        _nextSweep = now + SweepInterval;
        foreach (TurnAllocation allocation in _byClient.Values)
        {
            if (now >= allocation.Expires)
            {
                Delete(allocation);
            }
            else
            {
                allocation.Sweep(now);
            }
        }
    }

    /// <summary>
    /// A stream client's connection closed: its allocation goes with it (RFC 8656 §3.1, the TCP
    /// connection is part of the 5-tuple).
    /// </summary>
    public void HandleClientClosed(TurnFiveTuple client)
    {
        if (_byClient.TryGetValue(client, out TurnAllocation? allocation))
        {
            Delete(allocation);
        }
    }

    private void HandleRequest(ReadOnlySpan<byte> data, StunMessage request, TurnFiveTuple client, TimeSpan now)
    {
        if (request.Method == StunMessage.BindingMethod)
        {
            // RFC 8489 §6.3.1: a Binding request needs no credentials; answer with XOR-MAPPED-ADDRESS.
            StunMessage response = Response(request, StunClass.SuccessResponse, null);
            response.AddXorMappedAddress(client.Client);
            Send(client, response);
            return;
        }

        if (request.Method is not (TurnMethod.Allocate or TurnMethod.Refresh or TurnMethod.CreatePermission or TurnMethod.ChannelBind))
        {
            SendError(client, request, 400, "Bad Request", null);
            return;
        }

        if (!TryAuthenticate(data, request, client, now, out Credentials credentials))
        {
            Counters.AuthenticationFailures++;
            return;
        }

        List<ushort> unknown = [.. request.Attributes.Select(a => a.Type).Where(t => t < 0x8000 && !KnownRequired.Contains(t))];
        if (unknown.Count > 0)
        {
            SendUnknownAttributes(client, request, unknown, credentials);
            return;
        }

        switch (request.Method)
        {
            case TurnMethod.Allocate:
                HandleAllocate(request, client, credentials, now);
                break;
            case TurnMethod.Refresh:
                HandleRefresh(request, client, credentials, now);
                break;
            case TurnMethod.CreatePermission:
                HandleCreatePermission(request, client, credentials, now);
                break;
            default:
                HandleChannelBind(request, client, credentials, now);
                break;
        }
    }

    private bool IsLive(TurnAllocation allocation, TimeSpan now)
    {
        if (now < allocation.Expires)
        {
            return true;
        }

        Delete(allocation);
        return false;
    }

    private void Delete(TurnAllocation allocation)
    {
        _byClient.Remove(allocation.Client);
        _byRelay.Remove(allocation.Relay);
        Decrement(_perUser, allocation.Username);
        Decrement(_perIp, allocation.Client.Client.Address);
        _relays.Release(allocation.Relay);
    }

    private static void Decrement<TKey>(Dictionary<TKey, int> counts, TKey key)
        where TKey : notnull
    {
        int count = counts.GetValueOrDefault(key) - 1;
        if (count > 0)
        {
            counts[key] = count;
        }
        else
        {
            counts.Remove(key);
        }
    }

    private static StunMessage Response(StunMessage request, StunClass cls, Credentials? credentials) =>
        new(cls, request.Method, request.TransactionId)
        {
            // RFC 8489 §9.2.4: responses to an authenticated request carry integrity with the same key and algorithm.
            IntegrityKey = credentials?.Key,
            UseSha256Integrity = credentials?.Sha256 ?? false,
            AddFingerprint = true,
        };

    private void SendError(TurnFiveTuple client, StunMessage request, int code, string reason, Credentials? credentials)
    {
        StunMessage response = Response(request, StunClass.ErrorResponse, credentials);
        response.AddErrorCode(code, reason);
        Send(client, response);
    }

    /// <summary>RFC 8489 §9.2.4: 401 and 438 carry REALM and a fresh NONCE, without integrity.</summary>
    private void SendChallenge(TurnFiveTuple client, StunMessage request, int code, string reason, TimeSpan now)
    {
        StunMessage response = Response(request, StunClass.ErrorResponse, null);
        response.AddErrorCode(code, reason);
        response.Add(StunAttributeType.Realm, _realm);
        response.Add(StunAttributeType.Nonce, Encoding.ASCII.GetBytes(_nonces.Create(client.Client.Address, now)));
        Send(client, response);
    }

    /// <summary>RFC 8489 §6.3.1.1: 420 with UNKNOWN-ATTRIBUTES listing them.</summary>
    private void SendUnknownAttributes(TurnFiveTuple client, StunMessage request, List<ushort> unknown, Credentials credentials)
    {
        StunMessage response = Response(request, StunClass.ErrorResponse, credentials);
        response.AddErrorCode(420, "Unknown Attribute");
        var value = new byte[unknown.Count * 2];
        for (int i = 0; i < unknown.Count; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(value.AsSpan(i * 2), unknown[i]);
        }

        response.Add(StunAttributeType.UnknownAttributes, value);
        Send(client, response);
    }

    private void Send(TurnFiveTuple client, StunMessage message) =>
        _transmits.Enqueue(new TurnTransmit(client, null, null, message.ToArray()));

    private readonly record struct Credentials(string Username, byte[] Key, bool Sha256);
}
