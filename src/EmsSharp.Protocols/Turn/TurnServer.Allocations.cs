using System.Net;
using System.Net.Sockets;
using EmsSharp.Protocols.Stun;

namespace EmsSharp.Protocols.Turn;

/// <summary>Long-term authentication (RFC 8489 §9.2) and the allocation's life: Allocate, Refresh, lifetimes, address families (RFC 8656 §7, §8).</summary>
public sealed partial class TurnServer
{
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
}
