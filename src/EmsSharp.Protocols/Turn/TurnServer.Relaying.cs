using System.Buffers.Binary;
using System.Net;
using EmsSharp.Protocols.Stun;

namespace EmsSharp.Protocols.Turn;

/// <summary>Permissions, channels and the data both ways: CreatePermission, ChannelBind, Send/Data indications, ChannelData (RFC 8656 §9-§12) and the peer policy.</summary>
public sealed partial class TurnServer
{
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
}
