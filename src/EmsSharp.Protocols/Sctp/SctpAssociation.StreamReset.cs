namespace EmsSharp.Protocols.Sctp;

public sealed partial class SctpAssociation
{
    private readonly List<ushort> _resetPending = [];
    private readonly Queue<SctpReConfigResponse> _reconfigResponses = new();
    private ushort[]? _resetInFlight;
    private bool _sendReconfigRequest;
    private uint _reconfigRequestSeq;
    private uint _reconfigLastTsn;
    private TimeSpan? _reconfigDeadline;
    private uint _peerReconfigExpectedSeq;
    private SctpReConfigResult _lastReconfigResult;

    /// <summary>
    /// Resets our outgoing streams (RFC 6525 §5.1.2 Outgoing SSN Reset Request), as closing a data channel
    /// requires (RFC 8831 §6.7). The request goes out once queued messages on those streams are sent;
    /// <see cref="SctpEventKind.OutgoingStreamsReset"/> reports completion.
    /// </summary>
    public void ResetStreams(ReadOnlySpan<ushort> streams)
    {
        foreach (var s in streams)
        {
            if (!_resetPending.Contains(s) && (_resetInFlight is null || Array.IndexOf(_resetInFlight, s) < 0))
            {
                _resetPending.Add(s);
            }
        }
    }

    private int WriteReConfig(Span<byte> destination, TimeSpan now)
    {
        var o = 0;
        while (_reconfigResponses.TryPeek(out var response) && destination.Length - o >= SctpChunk.HeaderLength + SctpReConfigResponse.Length)
        {
            _reconfigResponses.Dequeue();
            response.TryWrite(destination[(o + SctpChunk.HeaderLength)..], out var w);
            SctpChunk.WriteHeader(destination[o..], (byte)SctpChunkType.ReConfig, 0, SctpChunk.HeaderLength + w);
            o += SctpChunk.HeaderLength + w;
        }

        if (_resetInFlight is null && _resetPending.Count > 0 && _state == SctpAssociationState.Established)
        {
            StartReset(now);
        }

        if (_sendReconfigRequest && _resetInFlight is { } streams
            && destination.Length - o >= SctpChunk.HeaderLength + 16 + (2 * streams.Length) + 2)
        {
            // RFC 6525 §5.1.2: the Response Sequence Number is the last request of the peer we answered.
            SctpStreamResetRequest.TryWriteOutgoing(destination[(o + SctpChunk.HeaderLength)..], _reconfigRequestSeq, _peerReconfigExpectedSeq - 1, _reconfigLastTsn, streams, out var w);
            SctpChunk.WriteHeader(destination[o..], (byte)SctpChunkType.ReConfig, 0, SctpChunk.HeaderLength + w);
            o += SctpChunk.HeaderLength + w;
            _sendReconfigRequest = false;
        }

        return o;
    }

    private void StartReset(TimeSpan now)
    {
        if (!_peerReConfig)
        {
            _events.Enqueue(SctpEvent.StreamsEvent(SctpEventKind.StreamResetFailed, [.. _resetPending]));
            _resetPending.Clear();
            return;
        }

        // Only streams with nothing left in the send queue: their last TSN is then assigned (RFC 6525 §5.1.2).
        var ready = new List<ushort>();
        for (var i = 0; i < _resetPending.Count && ready.Count < SctpStreamResetRequest.MaxStreams; i++)
        {
            var id = _resetPending[i];
            if (!_outboundStreams.TryGetValue(id, out var s) || s.Queue.Count == 0)
            {
                ready.Add(id);
                _resetPending.RemoveAt(i--);
            }
        }

        if (ready.Count == 0)
        {
            return;
        }

        _resetInFlight = [.. ready];
        _reconfigLastTsn = _nextTsn - 1;
        _sendReconfigRequest = true;
        _reconfigDeadline = now + _rto;
    }

    private void OnReconfigTimer(TimeSpan now)
    {
        // RFC 6525 §5.1.1: retransmit an unanswered (or "in progress") request with the same sequence number.
        _reconfigDeadline = _resetInFlight is null ? null : now + _rto;
        _sendReconfigRequest = _resetInFlight is not null;
    }

    private bool HandleReConfig(SctpChunk chunk, TimeSpan now)
    {
        var parameters = chunk.Value;
        while (!parameters.IsEmpty)
        {
            if (!SctpParameter.TryRead(parameters, out var parameter, out var consumed))
            {
                return false;
            }

            parameters = parameters[consumed..];
            switch ((SctpParameterType)parameter.Type)
            {
                case SctpParameterType.OutgoingSsnResetRequest:
                case SctpParameterType.IncomingSsnResetRequest:
                    if (!SctpStreamResetRequest.TryRead(parameter, out var request))
                    {
                        return false;
                    }

                    HandleResetRequest(request);
                    break;
                case SctpParameterType.ReConfigResponse:
                    if (!SctpReConfigResponse.TryRead(parameter, out var response))
                    {
                        return false;
                    }

                    HandleReconfigResponse(response, now);
                    break;
                default:
                    break; // SSN/TSN reset and add-streams requests are not offered by WebRTC stacks
            }
        }

        return true;
    }

    private void HandleResetRequest(SctpStreamResetRequest request)
    {
        SctpReConfigResult result;
        if (request.RequestSequence == _peerReconfigExpectedSeq - 1)
        {
            result = _lastReconfigResult; // RFC 6525 §5.2.1: a retransmitted request gets the same answer
        }
        else if (request.RequestSequence != _peerReconfigExpectedSeq)
        {
            result = SctpReConfigResult.ErrorBadSequenceNumber;
        }
        else if (!request.IsOutgoing)
        {
            // Incoming SSN Reset Request (peer asks us to reset ours): not used by WebRTC; decline.
            result = _lastReconfigResult = SctpReConfigResult.Denied;
            _peerReconfigExpectedSeq++;
        }
        else if (!SctpTsn.Le(request.SenderLastTsn, _cumulativeTsn))
        {
            // RFC 6525 §5.2.2: data up to the sender's last TSN has not all arrived; the sender will ask again.
            result = SctpReConfigResult.InProgress;
        }
        else
        {
            var streams = new ushort[request.StreamCount];
            for (var i = 0; i < streams.Length; i++)
            {
                streams[i] = request.GetStream(i);
            }

            // RFC 6525 §5.2.2: the next message on a reset stream has SSN 0.
            if (streams.Length == 0)
            {
                foreach (var stream in _inboundStreams.Values)
                {
                    DropPending(stream);
                }

                _inboundStreams.Clear();
            }
            else
            {
                foreach (var s in streams)
                {
                    if (_inboundStreams.Remove(s, out var stream))
                    {
                        DropPending(stream);
                    }
                }
            }

            result = _lastReconfigResult = SctpReConfigResult.SuccessPerformed;
            _peerReconfigExpectedSeq++;
            _events.Enqueue(SctpEvent.StreamsEvent(SctpEventKind.IncomingStreamsReset, streams));
        }

        _reconfigResponses.Enqueue(new SctpReConfigResponse(request.RequestSequence, result));
    }

    private void DropPending(SctpInboundStream stream)
    {
        foreach (var pending in stream.Pending.Values)
        {
            _receivedBytes -= Held(pending.Data!.Length);
        }
    }

    /// <summary>Whether a reset of our outgoing stream is queued or awaiting its response (no new data then, RFC 6525 §5.1.2).</summary>
    private bool IsResetting(ushort streamId) =>
        _resetPending.Contains(streamId) || (_resetInFlight is { } inFlight && Array.IndexOf(inFlight, streamId) >= 0);

    private void HandleReconfigResponse(SctpReConfigResponse response, TimeSpan now)
    {
        if (_resetInFlight is not { } streams || response.ResponseSequence != _reconfigRequestSeq)
        {
            return;
        }

        if (response.Result == SctpReConfigResult.InProgress)
        {
            _reconfigDeadline = now + _rto;
            return;
        }

        _resetInFlight = null;
        _reconfigDeadline = null;
        _sendReconfigRequest = false;
        _reconfigRequestSeq++;
        if (response.Result is SctpReConfigResult.SuccessPerformed or SctpReConfigResult.SuccessNothingToDo)
        {
            foreach (var id in streams)
            {
                if (_outboundStreams.TryGetValue(id, out var s))
                {
                    s.NextSsn = 0;
                    if (s.BufferedBytes == 0)
                    {
                        _outboundStreams.Remove(id);
                    }
                }
            }

            _events.Enqueue(SctpEvent.StreamsEvent(SctpEventKind.OutgoingStreamsReset, streams));
        }
        else
        {
            _events.Enqueue(SctpEvent.StreamsEvent(SctpEventKind.StreamResetFailed, streams));
        }
    }
}
