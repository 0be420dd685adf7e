using System.Net;
using EmsSharp.Protocols.Stun;

namespace EmsSharp.Protocols.Ice;

/// <summary>Connectivity checks, responses, nomination and consent.</summary>
public sealed partial class IceAgent
{
    private const int RoleConflict = 487;

    private void HandleRequest(ReadOnlySpan<byte> datagram, StunMessage request, IPEndPoint from, int localBase, TimeSpan now)
    {
        // RFC 8445 §7.3: USERNAME is "local:remote" and MESSAGE-INTEGRITY uses the local password.
        var username = request.GetUsername();
        if (username is null || !username.StartsWith(LocalUfrag + ":", StringComparison.Ordinal) ||
            RemoteAddressFilter?.Invoke(from.Address) == false)
        {
            return;
        }

        if (!StunMessage.VerifyIntegrity(datagram, request, _localKey))
        {
            SendError(request, from, localBase, 401, "Unauthorized", withIntegrity: false);
            return;
        }

        // RFC 8445 §7.3.1.1: repair role conflicts with the tie-breakers.
        if (Role == IceRole.Controlling && request.TryGetUInt64(StunAttributeType.IceControlling, out var theirs))
        {
            if (_tieBreaker >= theirs)
            {
                SendError(request, from, localBase, RoleConflict, "Role Conflict", withIntegrity: true);
                return;
            }

            SwitchRole(IceRole.Controlled);
        }
        else if (Role == IceRole.Controlled && request.TryGetUInt64(StunAttributeType.IceControlled, out theirs))
        {
            if (_tieBreaker < theirs)
            {
                SendError(request, from, localBase, RoleConflict, "Role Conflict", withIntegrity: true);
                return;
            }

            SwitchRole(IceRole.Controlling);
        }

        // RFC 8445 §7.3.1.2: answer with the source address as XOR-MAPPED-ADDRESS.
        var response = new StunMessage(StunClass.SuccessResponse, StunMessage.BindingMethod, request.TransactionId)
        {
            IntegrityKey = _localKey,
            AddFingerprint = true,
        };
        response.AddXorMappedAddress(from);
        _transmits.Enqueue(new IceTransmit(response.ToArray(), from, localBase));

        var pair = FindPair(localBase, from);
        if (pair is null)
        {
            // RFC 8445 §7.3.1.3: an unknown source is a peer-reflexive remote candidate.
            request.TryGetUInt32(StunAttributeType.Priority, out var priority);
            var prflx = new IceCandidate("prflx", 1, priority, from.Address.ToString(), from.Port,
                IceCandidateType.PeerReflexive);
            if (!TryAddPair(localBase, prflx, from))
            {
                return;
            }

            pair = _pairs[^1];
            if (State == IceAgentState.New)
            {
                State = IceAgentState.Checking;
            }
        }

        if (Role == IceRole.Controlled && request.Has(StunAttributeType.UseCandidate))
        {
            // RFC 8445 §7.3.1.5: nominated once the pair has also succeeded.
            pair.NominatedByPeer = true;
            if (pair.State == IceCandidatePairState.Succeeded)
            {
                Select(pair, now);
            }
        }

        // RFC 8445 §7.3.1.4: a triggered check unless the pair already succeeded.
        if (pair.State is IceCandidatePairState.Waiting or IceCandidatePairState.Failed && pair.Transaction is null)
        {
            pair.State = IceCandidatePairState.Waiting;
            pair.Triggered = true;
        }
    }

    private void HandleResponse(ReadOnlySpan<byte> datagram, StunMessage response, IPEndPoint from, int localBase, TimeSpan now)
    {
        if (_remoteKey is null || !StunMessage.VerifyIntegrity(datagram, response, _remoteKey))
        {
            return;
        }

        for (var i = 0; i < _consentTransactions.Count; i++)
        {
            if (_consentTransactions[i].Id.AsSpan().SequenceEqual(response.TransactionId))
            {
                _consentTransactions.RemoveAt(i);
                if (response.Class == StunClass.SuccessResponse && MediaPair is { } media &&
                    media.Base == localBase && media.RemoteEndPoint.Equals(from))
                {
                    // RFC 7675 §5.1: a response refreshes consent.
                    _lastConsent = now;
                }

                return;
            }
        }

        foreach (var pair in _pairs)
        {
            if (pair.Transaction is null || !pair.Transaction.Matches(response.TransactionId))
            {
                continue;
            }

            var nominated = pair.TransactionNominates;
            pair.Transaction = null;
            pair.TransactionNominates = false;
            if (response.Class == StunClass.ErrorResponse)
            {
                if (response.TryGetErrorCode(out var code, out _) && code == RoleConflict)
                {
                    // RFC 8445 §7.2.5.1: switch role and retry.
                    SwitchRole(Role == IceRole.Controlling ? IceRole.Controlled : IceRole.Controlling);
                    pair.State = IceCandidatePairState.Waiting;
                    pair.Triggered = true;
                }
                else
                {
                    pair.State = IceCandidatePairState.Failed;
                }

                return;
            }

            // RFC 8445 §7.2.5.2.1: the response must come from where the request went, on the base it left from.
            if (!from.Equals(pair.RemoteEndPoint) || localBase != pair.Base)
            {
                pair.State = IceCandidatePairState.Failed;
                return;
            }

            pair.State = IceCandidatePairState.Succeeded;
            OnPairSucceeded(pair, nominated, now);
            return;
        }
    }

    private void OnPairSucceeded(IceCandidatePair pair, bool nominated, TimeSpan now)
    {
        if (Role == IceRole.Controlled)
        {
            if (pair.NominatedByPeer)
            {
                Select(pair, now);
            }

            return;
        }

        if (nominated)
        {
            Select(pair, now);
        }
        else
        {
            _firstValidAt ??= now; // RunNomination picks the pair
        }
    }

    private void RunNomination(TimeSpan now)
    {
        if (Role != IceRole.Controlling || _selected is not null || _nominating is not null || _firstValidAt is null)
        {
            return;
        }

        IceCandidatePair? best = null;
        foreach (var p in _pairs)
        {
            if (p.State == IceCandidatePairState.Succeeded && (best is null || p.Priority > best.Priority))
            {
                best = p;
            }
        }

        if (best is null)
        {
            return;
        }

        // RFC 8445 §8.1.1 leaves the stopping criterion to the controlling agent: a relayed pair often answers before
        // the direct one whose NAT hole is still being punched, so a better pair still being checked gets a moment.
        if (now < _firstValidAt + NominationWait)
        {
            foreach (var p in _pairs)
            {
                if (p.Priority > best.Priority && p.State is IceCandidatePairState.Waiting or IceCandidatePairState.InProgress)
                {
                    return;
                }
            }
        }

        // Regular nomination: a new check with USE-CANDIDATE on the best valid pair.
        _nominating = best;
        SendCheck(best, nominate: true, now);
    }

    private void SwitchRole(IceRole role)
    {
        Role = role;
        foreach (var p in _pairs)
        {
            p.Priority = PairPriority(BasePriority(p.Base), p.Remote.Priority);
        }
    }

    private void SendError(StunMessage request, IPEndPoint to, int localBase, int code, string reason, bool withIntegrity)
    {
        var error = new StunMessage(StunClass.ErrorResponse, StunMessage.BindingMethod, request.TransactionId)
        {
            IntegrityKey = withIntegrity ? _localKey : null,
            AddFingerprint = true,
        };
        error.AddErrorCode(code, reason);
        _transmits.Enqueue(new IceTransmit(error.ToArray(), to, localBase));
    }

    private byte[] BuildCheck(byte[] transactionId, bool nominate)
    {
        // RFC 8445 §7.2.2: USERNAME "remote:local", PRIORITY of a would-be peer-reflexive candidate,
        // the role attribute with our tie-breaker, USE-CANDIDATE when nominating.
        var request = new StunMessage(StunClass.Request, StunMessage.BindingMethod, transactionId)
        {
            IntegrityKey = _remoteKey,
            AddFingerprint = true,
        };
        request.AddUsername(RemoteUfrag + ":" + LocalUfrag);
        request.AddUInt32(StunAttributeType.Priority,
            IceCandidate.ComputePriority(IceCandidateType.PeerReflexive, 65535, 1));
        if (Role == IceRole.Controlling)
        {
            request.AddUInt64(StunAttributeType.IceControlling, _tieBreaker);
            if (nominate)
            {
                request.AddFlag(StunAttributeType.UseCandidate);
            }
        }
        else
        {
            request.AddUInt64(StunAttributeType.IceControlled, _tieBreaker);
        }

        return request.ToArray();
    }

    private void SendCheck(IceCandidatePair pair, bool nominate, TimeSpan now)
    {
        var id = StunMessage.NewTransactionId();
        var bytes = BuildCheck(id, nominate);
        pair.Transaction = new StunClientTransaction(bytes, id, pair.RemoteEndPoint, now, InitialRto);
        pair.TransactionNominates = nominate;
        pair.Triggered = false;
        if (pair.State != IceCandidatePairState.Succeeded)
        {
            pair.State = IceCandidatePairState.InProgress;
        }

        _transmits.Enqueue(new IceTransmit(bytes, pair.RemoteEndPoint, pair.Base));
    }

    private void RunPairTransactions(TimeSpan now)
    {
        foreach (var pair in _pairs)
        {
            var t = pair.Transaction;
            if (t is null)
            {
                continue;
            }

            switch (t.HandleTimeout(now))
            {
                case StunTransactionStatus.Waiting:
                    break;
                case StunTransactionStatus.Retransmit:
                    _transmits.Enqueue(new IceTransmit(t.Request, t.Destination, pair.Base));
                    break;
                case StunTransactionStatus.TimedOut:
                    pair.Transaction = null;
                    pair.State = IceCandidatePairState.Failed;
                    if (ReferenceEquals(_nominating, pair))
                    {
                        _nominating = null;
                    }

                    break;
                default:
                    throw new InvalidOperationException("Unknown transaction status.");
            }
        }
    }

    private void RunPacedCheck(TimeSpan now)
    {
        if (_remoteKey is null || now < _nextCheck)
        {
            return;
        }

        // RFC 8445 §6.1.4.2: the triggered-check queue first, then the highest-priority waiting pair.
        IceCandidatePair? next = null;
        foreach (var p in _pairs)
        {
            if (p.Transaction is not null)
            {
                continue;
            }

            if (p.Triggered)
            {
                next = p;
                break;
            }

            if (_selected is null && p.State == IceCandidatePairState.Waiting && (next is null || p.Priority > next.Priority))
            {
                next = p;
            }
        }

        if (next is null)
        {
            return;
        }

        SendCheck(next, nominate: false, now);
        _nextCheck = now + CheckPacing;
    }

    private void RunConsent(TimeSpan now)
    {
        if (MediaPair is not { } media)
        {
            return;
        }

        if (now - _lastConsent >= ConsentTimeout)
        {
            // RFC 7675 §5.1: no response for 30 s, stop sending.
            Fail();
            return;
        }

        // Between a restart and the peer's new credentials there is nothing to sign a check with; the timeout still runs.
        if (now < _nextConsent || _remoteKey is null)
        {
            return;
        }

        for (var i = _consentTransactions.Count - 1; i >= 0; i--)
        {
            if (_consentTransactions[i].Expires <= now)
            {
                _consentTransactions.RemoveAt(i);
            }
        }

        var id = StunMessage.NewTransactionId();
        _consentTransactions.Add((id, now + ConsentTimeout));
        _transmits.Enqueue(new IceTransmit(BuildCheck(id, nominate: false), media.RemoteEndPoint, media.Base));
        _nextConsent = now + JitteredConsentInterval();
    }

    private void CheckFailure()
    {
        if (State != IceAgentState.Checking || _pairs.Count == 0)
        {
            return;
        }

        foreach (var p in _pairs)
        {
            if (p.State != IceCandidatePairState.Failed)
            {
                return;
            }
        }

        Fail();
    }
}
