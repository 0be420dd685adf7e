using System.Net;
using EmsSharp.Protocols.Stun;

namespace EmsSharp.Protocols.Turn;

/// <summary>
/// A sans-IO TURN client (RFC 8656) holding one UDP relay allocation over a reliable transport (TCP or TLS to the
/// server): Allocate with long-term credentials (RFC 8489 §9.2), Refresh before the lifetime ends, CreatePermission for
/// every peer address it sends to (and again before permissions expire), Send and Data indications. The owner writes
/// what <see cref="TryPollTransmit"/> yields to the stream, feeds each received frame (<see cref="TurnStreamFraming"/>)
/// to <see cref="HandleInbound"/>, and calls <see cref="HandleTimeout"/> at <see cref="NextTimeout"/>.
/// </summary>
public sealed class TurnClient
{
    /// <summary>RFC 8489 §6.2.2: over a reliable transport a transaction fails after Ti = 39.5 s without an answer.</summary>
    private static readonly TimeSpan TransactionTimeout = TimeSpan.FromSeconds(39.5);

    /// <summary>RFC 8656 §9: permissions last 300 s; refreshed a minute early while still used.</summary>
    private static readonly TimeSpan PermissionRefresh = TimeSpan.FromSeconds(240);

    private static readonly TimeSpan RequestedLifetime = TimeSpan.FromSeconds(600);

    private readonly string _username;
    private readonly string _password;
    private readonly Dictionary<UInt128, Pending> _pending = [];
    private readonly Dictionary<IPAddress, Permission> _permissions = [];
    private readonly Queue<byte[]> _transmits = new();
    private readonly Queue<TurnClientEvent> _events = new();
    private string? _realm;
    private byte[]? _nonce;
    private byte[]? _key;
    private TimeSpan _refreshAt;

    /// <summary>Creates a client with the server's long-term credentials (e.g. TURN REST ones handed out by the ERS).</summary>
    public TurnClient(string username, string password)
    {
        _username = username;
        _password = password;
    }

    /// <summary>Where the client is.</summary>
    public TurnClientState State { get; private set; } = TurnClientState.New;

    /// <summary>The relayed transport address (XOR-RELAYED-ADDRESS), once allocated.</summary>
    public IPEndPoint? RelayedAddress { get; private set; }

    /// <summary>Our address as the server saw it (XOR-MAPPED-ADDRESS), once allocated.</summary>
    public IPEndPoint? MappedAddress { get; private set; }

    /// <summary>When <see cref="HandleTimeout"/> has work, or null.</summary>
    public TimeSpan? NextTimeout
    {
        get
        {
            if (State is TurnClientState.Failed or TurnClientState.Closed)
            {
                return null;
            }

            TimeSpan? next = State == TurnClientState.Allocated ? _refreshAt : null;
            foreach (var p in _pending.Values)
            {
                next = next is null || p.Deadline < next ? p.Deadline : next;
            }

            foreach (var p in _permissions.Values)
            {
                next = next is null || p.RefreshAt < next ? p.RefreshAt : next;
            }

            return next;
        }
    }

    /// <summary>Sends the first Allocate (RFC 8656 §7.1: without credentials, to learn REALM and NONCE).</summary>
    public void Start(TimeSpan now)
    {
        if (State != TurnClientState.New)
        {
            throw new InvalidOperationException("The client was started already.");
        }

        State = TurnClientState.Allocating;
        SendAllocate(now);
    }

    /// <summary>Takes the next message to write to the server.</summary>
    public bool TryPollTransmit(out byte[] message) => _transmits.TryDequeue(out message!);

    /// <summary>Takes the next event.</summary>
    public bool TryPollEvent(out TurnClientEvent clientEvent) => _events.TryDequeue(out clientEvent);

    /// <summary>
    /// Relays <paramref name="payload"/> to <paramref name="peer"/> (a Send indication, RFC 8656 §11.1), asking for a
    /// permission for the peer's address first when there is none (CreatePermission, §9.1; the server handles the
    /// stream's messages in order, so the permission is in place before the data). False before the allocation exists.
    /// </summary>
    public bool Send(IPEndPoint peer, ReadOnlySpan<byte> payload, TimeSpan now)
    {
        if (State != TurnClientState.Allocated || payload.Length > TurnServer.MaxPayloadLength)
        {
            return false;
        }

        if (!_permissions.TryGetValue(peer.Address, out var permission))
        {
            permission = new Permission();
            _permissions[peer.Address] = permission;
            SendCreatePermission(peer, now);
            permission.RefreshAt = now + PermissionRefresh;
        }

        permission.UsedAt = now;
        var indication = new StunMessage(StunClass.Indication, TurnMethod.Send, StunMessage.NewTransactionId());
        indication.Add(StunAttributeType.XorPeerAddress, StunXorAddress.Encode(peer, indication.TransactionId));
        indication.Add(StunAttributeType.Data, payload.ToArray());
        _transmits.Enqueue(indication.ToArray());
        return true;
    }

    /// <summary>One frame from the server: a response to one of our requests, or a Data indication. Anything else is dropped.</summary>
    public void HandleInbound(ReadOnlySpan<byte> frame, TimeSpan now)
    {
        if (State is TurnClientState.Failed or TurnClientState.Closed ||
            !StunMessage.TryRead(frame, out var message, out _) || !StunMessage.VerifyFingerprint(frame, message!))
        {
            return;
        }

        if (message!.Class == StunClass.Indication)
        {
            // RFC 8656 §11.4: XOR-PEER-ADDRESS and DATA from a peer with a permission; the server checked that.
            if (message.Method == TurnMethod.Data && message.TryGetAttribute(StunAttributeType.XorPeerAddress, out var peerValue) &&
                StunXorAddress.TryDecode(peerValue, message.TransactionId, out var peer) &&
                message.TryGetAttribute(StunAttributeType.Data, out var data))
            {
                _events.Enqueue(new TurnClientEvent(TurnClientEventKind.Data, peer, data));
            }

            return;
        }

        var id = StunTransactionKey.Of(message.TransactionId);
        if (message.Class is not (StunClass.SuccessResponse or StunClass.ErrorResponse) || !_pending.Remove(id, out var pending))
        {
            return;
        }

        // RFC 8489 §9.2.5: a success response to an authenticated request carries a valid MESSAGE-INTEGRITY; an error
        // response may lack it (the server could not check our credentials), but one that has it must verify.
        var hasIntegrity = message.Has(StunAttributeType.MessageIntegrity);
        if (pending.Authenticated && (message.Class == StunClass.SuccessResponse || hasIntegrity) &&
            (!hasIntegrity || !StunMessage.VerifyIntegrity(frame, message, _key)))
        {
            Fail("the TURN server's response failed its integrity check");
            return;
        }

        if (message.Class == StunClass.ErrorResponse)
        {
            HandleError(message, pending, now);
            return;
        }

        switch (pending.Method)
        {
            case TurnMethod.Allocate:
                if (!message.TryGetAttribute(StunAttributeType.XorRelayedAddress, out var relayed) ||
                    !StunXorAddress.TryDecode(relayed, message.TransactionId, out var relayedAddress))
                {
                    Fail("the TURN server's Allocate response has no relayed address");
                    return;
                }

                message.TryGetXorMappedAddress(out var mapped);
                RelayedAddress = relayedAddress;
                MappedAddress = mapped;
                State = TurnClientState.Allocated;
                _refreshAt = now + RefreshDelay(message);
                _events.Enqueue(new TurnClientEvent(TurnClientEventKind.Allocated, relayedAddress));
                break;
            case TurnMethod.Refresh:
                _refreshAt = now + RefreshDelay(message);
                break;
            default:
                break; // a permission granted
        }
    }

    /// <summary>Refreshes the allocation and used permissions, and fails transactions that got no answer.</summary>
    public void HandleTimeout(TimeSpan now)
    {
        foreach (var p in _pending.Values)
        {
            if (p.Deadline <= now)
            {
                Fail($"the TURN server did not answer a {MethodName(p.Method)} request");
                return;
            }
        }

        if (State != TurnClientState.Allocated)
        {
            return;
        }

        if (now >= _refreshAt)
        {
            _refreshAt = now + (RequestedLifetime / 2);
            SendAuthenticated(TurnMethod.Refresh, now, static m => m.AddUInt32(StunAttributeType.Lifetime, (uint)RequestedLifetime.TotalSeconds));
        }

        List<IPAddress>? unused = null;
        foreach (var (address, permission) in _permissions)
        {
            if (now < permission.RefreshAt)
            {
                continue;
            }

            if (now - permission.UsedAt > PermissionRefresh)
            {
                (unused ??= []).Add(address); // let it lapse: nothing was sent there for four minutes
                continue;
            }

            permission.RefreshAt = now + PermissionRefresh;
            SendCreatePermission(new IPEndPoint(address, 0), now);
        }

        foreach (var address in unused ?? [])
        {
            _permissions.Remove(address);
        }
    }

    /// <summary>Deletes the allocation (a Refresh with LIFETIME 0, RFC 8656 §8) and stops.</summary>
    public void Close(TimeSpan now)
    {
        if (State == TurnClientState.Allocated)
        {
            SendAuthenticated(TurnMethod.Refresh, now, static m => m.AddUInt32(StunAttributeType.Lifetime, 0));
        }

        State = TurnClientState.Closed;
        _pending.Clear();
    }

    private static TimeSpan RefreshDelay(StunMessage response)
    {
        // Refresh a minute before the granted lifetime ends (RFC 8656 §7.3 defaults to 600 s), never sooner than 30 s.
        var granted = response.TryGetUInt32(StunAttributeType.Lifetime, out var seconds) ? TimeSpan.FromSeconds(seconds) : RequestedLifetime;
        var delay = granted - TimeSpan.FromSeconds(60);
        return delay < TimeSpan.FromSeconds(30) ? TimeSpan.FromSeconds(30) : delay;
    }

    private static string MethodName(ushort method) => method switch
    {
        TurnMethod.Allocate => "Allocate",
        TurnMethod.Refresh => "Refresh",
        TurnMethod.CreatePermission => "CreatePermission",
        _ => "TURN",
    };

    private void HandleError(StunMessage response, Pending pending, TimeSpan now)
    {
        response.TryGetErrorCode(out var code, out var reason);
        var hasNonce = response.TryGetAttribute(StunAttributeType.Nonce, out var nonce);
        // RFC 8489 §9.2.5: 401 to an unauthenticated request carries REALM and NONCE: retry with credentials once. 438:
        // the nonce went stale, retry with the new one.
        if (((code == 401 && !pending.Authenticated) || code == 438) && !pending.Retried && hasNonce &&
            (response.TryGetAttribute(StunAttributeType.Realm, out var realm) || _realm is not null))
        {
            if (realm is { Length: > 0 })
            {
                _realm = System.Text.Encoding.UTF8.GetString(realm);
            }

            _nonce = nonce;
            _key = TurnLongTermKey.Derive(_username, _realm!, _password);
            var retry = SendAuthenticated(pending.Method, now, pending.Build);
            _pending[retry] = _pending[retry] with { Retried = true };
            return;
        }

        if (pending.Method == TurnMethod.CreatePermission && State == TurnClientState.Allocated)
        {
            return; // a forbidden peer (403): data to it is dropped by the server; the allocation is fine
        }

        Fail($"the TURN server refused {MethodName(pending.Method)}: {code} {reason}".TrimEnd());
    }

    private void SendAllocate(TimeSpan now)
    {
        var request = new StunMessage(StunClass.Request, TurnMethod.Allocate, StunMessage.NewTransactionId()) { AddFingerprint = true };
        AddAllocateAttributes(request);
        _pending[StunTransactionKey.Of(request.TransactionId)] = new Pending(TurnMethod.Allocate, now + TransactionTimeout, false, false, AddAllocateAttributes);
        _transmits.Enqueue(request.ToArray());
    }

    // RFC 8656 §7.1: REQUESTED-TRANSPORT UDP (17 in the first byte), and the lifetime we would like.
    private static void AddAllocateAttributes(StunMessage request)
    {
        request.AddUInt32(StunAttributeType.RequestedTransport, 17u << 24);
        request.AddUInt32(StunAttributeType.Lifetime, (uint)RequestedLifetime.TotalSeconds);
    }

    private void SendCreatePermission(IPEndPoint peer, TimeSpan now) =>
        // RFC 8656 §9.1: the port of XOR-PEER-ADDRESS is ignored; a permission covers the address.
        SendAuthenticated(TurnMethod.CreatePermission, now, m => m.Add(StunAttributeType.XorPeerAddress, StunXorAddress.Encode(peer, m.TransactionId)));

    private UInt128 SendAuthenticated(ushort method, TimeSpan now, Action<StunMessage> build)
    {
        var request = new StunMessage(StunClass.Request, method, StunMessage.NewTransactionId())
        {
            IntegrityKey = _key,
            AddFingerprint = true,
        };
        build(request);
        request.AddUsername(_username);
        request.Add(StunAttributeType.Realm, System.Text.Encoding.UTF8.GetBytes(_realm ?? string.Empty));
        request.Add(StunAttributeType.Nonce, _nonce ?? []);
        var key = StunTransactionKey.Of(request.TransactionId);
        _pending[key] = new Pending(method, now + TransactionTimeout, true, false, build);
        _transmits.Enqueue(request.ToArray());
        return key;
    }

    private void Fail(string reason)
    {
        State = TurnClientState.Failed;
        _pending.Clear();
        _permissions.Clear();
        _events.Enqueue(new TurnClientEvent(TurnClientEventKind.Failed, Reason: reason));
    }

    private sealed record Pending(ushort Method, TimeSpan Deadline, bool Authenticated, bool Retried, Action<StunMessage> Build);

    private sealed class Permission
    {
        public TimeSpan RefreshAt { get; set; }

        public TimeSpan UsedAt { get; set; }
    }
}
