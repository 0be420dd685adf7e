using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using EmsSharp.Protocols.Stun;

namespace EmsSharp.Protocols.Turn;

/// <summary>
/// A sans-IO STUN (RFC 8489) and TURN (RFC 8656, UDP relays) server core. The driver feeds it client
/// packets (<see cref="HandleInbound"/>), peer packets arriving on relay sockets
/// (<see cref="HandleRelayInbound"/>) and time (<see cref="HandleTimeout"/>), and sends what
/// <see cref="TryPollTransmit"/> yields. Not thread-safe: one owner calls it.
/// </summary>
public sealed class TurnServer
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

    /// <summary>RFC 8489 §9.2.4: the long-term credential checks, answering 400, 401 or 438 itself.</summary>
    private bool TryAuthenticate(ReadOnlySpan<byte> data, StunMessage request, TurnFiveTuple client, TimeSpan now, out Credentials credentials)
    {
        credentials = default;
        bool sha256 = request.IntegritySha256Offset >= 0;
        if (request.IntegrityOffset < 0 && !sha256)
        {
            SendChallenge(client, request, 401, "Unauthorized", now);
            return false;
        }

        string? username = request.GetUsername();
        if (username is null || !request.Has(StunAttributeType.Realm) || !request.TryGetAttribute(StunAttributeType.Nonce, out byte[] nonce))
        {
            SendError(client, request, 400, "Bad Request", null);
            return false;
        }

        if (!_nonces.IsValid(nonce, client.Client.Address, now))
        {
            SendChallenge(client, request, 438, "Stale Nonce", now);
            return false;
        }

        string? password = _credentials.GetPassword(username);
        if (password is null)
        {
            SendChallenge(client, request, 401, "Unauthorized", now);
            return false;
        }

        byte[] key = TurnLongTermKey.Derive(username, _options.Realm, password);
        bool valid = sha256 ? StunMessage.VerifyIntegritySha256(data, request, key) : StunMessage.VerifyIntegrity(data, request, key);
        if (!valid)
        {
            SendChallenge(client, request, 401, "Unauthorized", now);
            return false;
        }

        credentials = new Credentials(username, key, sha256);
        return true;
    }

    /// <summary>RFC 8656 §7.2.</summary>
    private void HandleAllocate(StunMessage request, TurnFiveTuple client, Credentials credentials, TimeSpan now)
    {
        if (_byClient.TryGetValue(client, out TurnAllocation? existing) && IsLive(existing, now))
        {
            // A retransmitted Allocate gets the same success response; anything else is a mismatch.
            if (request.TransactionId.AsSpan().SequenceEqual(existing.CreateTransactionId))
            {
                _transmits.Enqueue(new TurnTransmit(client, null, null, existing.CreateResponse));
            }
            else
            {
                SendError(client, request, 437, "Allocation Mismatch", credentials);
            }

            return;
        }

        if (!request.TryGetAttribute(StunAttributeType.RequestedTransport, out byte[] transport) || transport.Length != 4)
        {
            SendError(client, request, 400, "Bad Request", credentials);
            return;
        }

        if (transport[0] != (byte)ProtocolType.Udp)
        {
            SendError(client, request, 442, "Unsupported Transport Protocol", credentials);
            return;
        }

        if (request.Has(StunAttributeType.DontFragment))
        {
            // RFC 8656 §7.2: a server that cannot set DF treats DONT-FRAGMENT as unknown comprehension-required.
            SendUnknownAttributes(client, request, [StunAttributeType.DontFragment], credentials);
            return;
        }

        bool evenPort = request.TryGetAttribute(StunAttributeType.EvenPort, out byte[] even);
        bool hasFamily = request.TryGetAttribute(StunAttributeType.RequestedAddressFamily, out byte[] familyValue);
        if (request.Has(StunAttributeType.ReservationToken))
        {
            // RFC 8656 §7.2: RESERVATION-TOKEN with EVEN-PORT or REQUESTED-ADDRESS-FAMILY is a bad request;
            // alone it names a reservation, and this server makes none.
            SendError(client, request, evenPort || hasFamily ? 400 : 508,
                evenPort || hasFamily ? "Bad Request" : "Insufficient Capacity", credentials);
            return;
        }

        if ((evenPort && even.Length != 1) || !TryGetFamily(hasFamily, familyValue, out AddressFamily family))
        {
            SendError(client, request, hasFamily && familyValue.Length == 4 ? 440 : 400,
                hasFamily && familyValue.Length == 4 ? "Address Family not Supported" : "Bad Request", credentials);
            return;
        }

        if (_perUser.GetValueOrDefault(credentials.Username) >= _options.MaxAllocationsPerUser
            || _perIp.GetValueOrDefault(client.Client.Address) >= _options.MaxAllocationsPerIp)
        {
            SendError(client, request, 486, "Allocation Quota Reached", credentials);
            return;
        }

        IPEndPoint? relay = _byClient.Count >= _options.MaxAllocations ? null : _relays.TryAllocate(client, family, evenPort);
        if (relay is null)
        {
            SendError(client, request, 508, "Insufficient Capacity", credentials);
            return;
        }

        TurnAllocation allocation = new(client, relay, credentials.Username, new TurnRateLimiter(_options, now))
        {
            Expires = now + GrantedLifetime(request),
            CreateTransactionId = request.TransactionId,
        };
        StunMessage response = Response(request, StunClass.SuccessResponse, credentials);
        response.Add(StunAttributeType.XorRelayedAddress, StunXorAddress.Encode(relay, request.TransactionId));
        response.AddUInt32(StunAttributeType.Lifetime, (uint)(allocation.Expires - now).TotalSeconds);
        response.AddXorMappedAddress(client.Client);
        allocation.CreateResponse = response.ToArray();
        _byClient[client] = allocation;
        _byRelay[relay] = allocation;
        _perUser[credentials.Username] = _perUser.GetValueOrDefault(credentials.Username) + 1;
        _perIp[client.Client.Address] = _perIp.GetValueOrDefault(client.Client.Address) + 1;
        Counters.AllocationsCreated++;
        _transmits.Enqueue(new TurnTransmit(client, null, null, allocation.CreateResponse));
    }

    /// <summary>RFC 8656 §7.3, §7.4.</summary>
    private void HandleRefresh(StunMessage request, TurnFiveTuple client, Credentials credentials, TimeSpan now)
    {
        if (!TryGetAllocation(request, client, credentials, now, out TurnAllocation? allocation))
        {
            return;
        }

        if (request.TryGetAttribute(StunAttributeType.RequestedAddressFamily, out byte[] family)
            && (!TryGetFamily(true, family, out AddressFamily requested) || requested != allocation.Relay.AddressFamily))
        {
            SendError(client, request, 443, "Peer Address Family Mismatch", credentials);
            return;
        }

        StunMessage response = Response(request, StunClass.SuccessResponse, credentials);
        if (request.TryGetUInt32(StunAttributeType.Lifetime, out uint lifetime) && lifetime == 0)
        {
            Delete(allocation);
            response.AddUInt32(StunAttributeType.Lifetime, 0);
        }
        else
        {
            TimeSpan granted = GrantedLifetime(request);
            allocation.Expires = now + granted;
            response.AddUInt32(StunAttributeType.Lifetime, (uint)granted.TotalSeconds);
        }

        Send(client, response);
    }

    /// <summary>RFC 8656 §9.2: every XOR-PEER-ADDRESS is checked before any permission is installed.</summary>
    private void HandleCreatePermission(StunMessage request, TurnFiveTuple client, Credentials credentials, TimeSpan now)
    {
        if (!TryGetAllocation(request, client, credentials, now, out TurnAllocation? allocation))
        {
            return;
        }

        List<IPEndPoint> peers = [];
        foreach (StunAttribute attribute in request.Attributes)
        {
            if (attribute.Type != StunAttributeType.XorPeerAddress)
            {
                continue;
            }

            if (!StunXorAddress.TryDecode(attribute.Value, request.TransactionId, out IPEndPoint? peer))
            {
                SendError(client, request, 400, "Bad Request", credentials);
                return;
            }

            peers.Add(peer!);
        }

        if (peers.Count == 0)
        {
            SendError(client, request, 400, "Bad Request", credentials);
            return;
        }

        if (!CheckPeers(request, client, credentials, allocation, peers))
        {
            return;
        }

        int added = peers.Select(p => p.Address).Distinct().Count(a => !allocation.Permissions.ContainsKey(a));
        if (allocation.Permissions.Count + added > _options.MaxPermissionsPerAllocation)
        {
            SendError(client, request, 508, "Insufficient Capacity", credentials);
            return;
        }

        foreach (IPEndPoint peer in peers)
        {
            allocation.Permissions[peer.Address] = now + TurnAllocation.PermissionLifetime;
        }

        Send(client, Response(request, StunClass.SuccessResponse, credentials));
    }

    /// <summary>RFC 8656 §12.2: binds or refreshes a channel, and installs or refreshes its permission.</summary>
    private void HandleChannelBind(StunMessage request, TurnFiveTuple client, Credentials credentials, TimeSpan now)
    {
        if (!TryGetAllocation(request, client, credentials, now, out TurnAllocation? allocation))
        {
            return;
        }

        if (!request.TryGetAttribute(StunAttributeType.ChannelNumber, out byte[] numberValue) || numberValue.Length != 4
            || !TurnChannelData.IsChannelNumber(BinaryPrimitives.ReadUInt16BigEndian(numberValue))
            || !request.TryGetAttribute(StunAttributeType.XorPeerAddress, out byte[] peerValue)
            || !StunXorAddress.TryDecode(peerValue, request.TransactionId, out IPEndPoint? peer))
        {
            SendError(client, request, 400, "Bad Request", credentials);
            return;
        }

        ushort number = BinaryPrimitives.ReadUInt16BigEndian(numberValue);
        // RFC 8656 §12.2: a number bound to another peer, or a peer bound to another number, is a bad
        // request, also during the 5 minutes after the binding expired.
        bool numberTaken = allocation.ChannelsByNumber.TryGetValue(number, out TurnChannel? byNumber) && !byNumber.IsGone(now)
            && !byNumber.Peer.Equals(peer);
        bool peerTaken = allocation.ChannelsByPeer.TryGetValue(peer!, out TurnChannel? byPeer) && !byPeer.IsGone(now)
            && byPeer.Number != number;
        if (numberTaken || peerTaken)
        {
            SendError(client, request, 400, "Bad Request", credentials);
            return;
        }

        if (!CheckPeers(request, client, credentials, allocation, [peer!]))
        {
            return;
        }

        if (!allocation.Permissions.ContainsKey(peer!.Address) && allocation.Permissions.Count >= _options.MaxPermissionsPerAllocation)
        {
            SendError(client, request, 508, "Insufficient Capacity", credentials);
            return;
        }

        if (byNumber is null || byNumber.IsGone(now))
        {
            byNumber = new TurnChannel(number, peer);
            allocation.ChannelsByNumber[number] = byNumber;
            allocation.ChannelsByPeer[peer] = byNumber;
        }

        byNumber.Expires = now + TurnChannel.Lifetime;
        allocation.Permissions[peer.Address] = now + TurnAllocation.PermissionLifetime;
        Send(client, Response(request, StunClass.SuccessResponse, credentials));
    }

    /// <summary>RFC 8656 §11.2: a Send indication is relayed or silently dropped.</summary>
    private void HandleSend(StunMessage indication, TurnFiveTuple client, TimeSpan now)
    {
        if (!_byClient.TryGetValue(client, out TurnAllocation? allocation) || !IsLive(allocation, now))
        {
            Counters.DroppedNoAllocation++;
            return;
        }

        if (!indication.TryGetAttribute(StunAttributeType.XorPeerAddress, out byte[] peerValue)
            || !StunXorAddress.TryDecode(peerValue, indication.TransactionId, out IPEndPoint? peer)
            || !indication.TryGetAttribute(StunAttributeType.Data, out byte[] payload))
        {
            Counters.Malformed++;
            return;
        }

        RelayToPeer(allocation, peer!, payload, now);
    }

    /// <summary>RFC 8656 §12.5: ChannelData from the client goes to the channel's peer.</summary>
    private void HandleChannelData(ReadOnlySpan<byte> data, TurnFiveTuple client, TimeSpan now)
    {
        if (!TurnChannelData.TryRead(data, out ushort number, out ReadOnlySpan<byte> payload, out _))
        {
            Counters.Malformed++;
            return;
        }

        if (!_byClient.TryGetValue(client, out TurnAllocation? allocation) || !IsLive(allocation, now))
        {
            Counters.DroppedNoAllocation++;
            return;
        }

        if (!allocation.ChannelsByNumber.TryGetValue(number, out TurnChannel? channel) || !channel.IsActive(now))
        {
            Counters.DroppedNoPermission++;
            return;
        }

        RelayToPeer(allocation, channel.Peer, payload, now);
    }

    private void RelayToPeer(TurnAllocation allocation, IPEndPoint peer, ReadOnlySpan<byte> payload, TimeSpan now)
    {
        if (payload.Length > MaxPayloadLength)
        {
            Counters.DroppedTooLarge++;
        }
        else if (!_peers.IsAllowed(peer.Address))
        {
            Counters.DroppedForbiddenPeer++;
        }
        else if (!allocation.HasPermission(peer.Address, now))
        {
            Counters.DroppedNoPermission++;
        }
        else if (!allocation.Rate.TryTake(payload.Length, now))
        {
            Counters.DroppedRateLimited++;
        }
        else
        {
            Counters.RelayedToPeers++;
            _transmits.Enqueue(new TurnTransmit(allocation.Client, allocation.Relay, peer, payload.ToArray()));
        }
    }

    /// <summary>The allocation of a request's 5-tuple, answering 437 or 441 when there is none or it is someone else's.</summary>
    private bool TryGetAllocation(StunMessage request, TurnFiveTuple client, Credentials credentials, TimeSpan now,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TurnAllocation? allocation)
    {
        if (!_byClient.TryGetValue(client, out allocation) || !IsLive(allocation, now))
        {
            SendError(client, request, 437, "Allocation Mismatch", credentials);
            return false;
        }

        if (!string.Equals(allocation.Username, credentials.Username, StringComparison.Ordinal))
        {
            // RFC 8656 §5: requests on an allocation must use the username that created it.
            Counters.AuthenticationFailures++;
            SendError(client, request, 441, "Wrong Credentials", credentials);
            return false;
        }

        return true;
    }

    /// <summary>RFC 8656 §9.2, §12.2: 443 for a family other than the relay's, 403 for a forbidden peer.</summary>
    private bool CheckPeers(StunMessage request, TurnFiveTuple client, Credentials credentials, TurnAllocation allocation,
        List<IPEndPoint> peers)
    {
        foreach (IPEndPoint peer in peers)
        {
            if (peer.AddressFamily != allocation.Relay.AddressFamily)
            {
                SendError(client, request, 443, "Peer Address Family Mismatch", credentials);
                return false;
            }

            if (!_peers.IsAllowed(peer.Address))
            {
                Counters.DroppedForbiddenPeer++;
                SendError(client, request, 403, "Forbidden", credentials);
                return false;
            }
        }

        return true;
    }

    /// <summary>RFC 8656 §7.2 (and §7.3 for Refresh): min(requested, max), but never below the default.</summary>
    private TimeSpan GrantedLifetime(StunMessage request)
    {
        if (!request.TryGetUInt32(StunAttributeType.Lifetime, out uint seconds))
        {
            return _options.DefaultLifetime;
        }

        TimeSpan requested = TimeSpan.FromSeconds(Math.Min(seconds, _options.MaxLifetime.TotalSeconds));
        return requested > _options.DefaultLifetime ? requested : _options.DefaultLifetime;
    }

    /// <summary>RFC 8656 §14.7 REQUESTED-ADDRESS-FAMILY: 0x01 IPv4, 0x02 IPv6; IPv4 when absent.</summary>
    private static bool TryGetFamily(bool present, byte[] value, out AddressFamily family)
    {
        family = AddressFamily.InterNetwork;
        if (!present)
        {
            return true;
        }

        if (value.Length != 4 || value[0] is not (0x01 or 0x02))
        {
            return false;
        }

        family = value[0] == 0x01 ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
        return true;
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
