using System.Collections.Concurrent;
using System.Net;
using EmsSharp.Protocols.Ice;
using EmsSharp.Protocols.Stun;
using Microsoft.Extensions.Logging;

namespace EmsSharp.WebRtc;

/// <summary>
/// Server-reflexive discovery for the shared port (RFC 8445 §5.1.1.2). Every session sends from the one socket, so
/// the port asks each STUN server once and every session offers the same srflx candidate inline in its SDP; the
/// answer is kept a while, so a room's viewers cost the STUN server one request, not one each.
/// </summary>
public sealed partial class UdpPortDriver
{
    /// <summary>How long a discovered (or failed) mapping is reused before the server is asked again.</summary>
    private static readonly TimeSpan ReflexiveReuse = TimeSpan.FromSeconds(30);

    /// <summary>RFC 8489 §6.2.1: RTO of 500 ms for a first request on an unknown path.</summary>
    private static readonly TimeSpan StunInitialRto = TimeSpan.FromMilliseconds(500);

    private readonly ConcurrentDictionary<IPEndPoint, (Task<ServerReflexiveResult> Task, long StartedAt)> _reflexive = new();
    private readonly ConcurrentDictionary<UInt128, (StunBindingClient Client, TaskCompletionSource<IPEndPoint?> Answer)> _bindings = new();

    /// <summary>
    /// Whether <paramref name="stunServer"/> answered over UDP and the port's server-reflexive candidate as it sees it
    /// (none when it sees the port at one of its host addresses: nothing to add). Concurrent callers share one request;
    /// a result is reused for 30 s. The wait is bounded by the STUN transaction (RFC 8489 §6.2.1, about 40 s): callers
    /// bound their own wait and may take the candidate later.
    /// </summary>
    public Task<ServerReflexiveResult> GetServerReflexiveAsync(IPEndPoint stunServer)
    {
        var now = _time.GetTimestamp();
        while (true)
        {
            if (_reflexive.TryGetValue(stunServer, out var known) &&
                (!known.Task.IsCompleted || _time.GetElapsedTime(known.StartedAt) < ReflexiveReuse))
            {
                return known.Task;
            }

            var started = (DiscoverAsync(stunServer), now);
            if (known.Task is null ? _reflexive.TryAdd(stunServer, started) : _reflexive.TryUpdate(stunServer, started, known))
            {
                return started.Item1;
            }
        }
    }

    private async Task<ServerReflexiveResult> DiscoverAsync(IPEndPoint server)
    {
        await Task.Yield(); // the caller's dictionary update completes first
        var origin = _time.GetTimestamp();
        var client = new StunBindingClient(server, TimeSpan.Zero, StunInitialRto);
        var key = StunTransactionKey.Of(client.TransactionId);
        var answer = new TaskCompletionSource<IPEndPoint?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _bindings[key] = (client, answer);
        try
        {
            Send(client.Request, server);
            while (!_stop.IsCancellationRequested)
            {
                var wait = client.NextTimeout - _time.GetElapsedTime(origin);
                if (wait > TimeSpan.Zero)
                {
                    using var timeout = new CancellationTokenSource(wait, _time);
                    using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _stop.Token);
                    try
                    {
                        return new ServerReflexiveResult(true, ToCandidate(await answer.Task.WaitAsync(linked.Token).ConfigureAwait(false), server));
                    }
                    catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
                    {
                        // the retransmission timer fired
                    }
                }

                switch (client.HandleTimeout(_time.GetElapsedTime(origin)))
                {
                    case StunTransactionStatus.Waiting:
                        break;
                    case StunTransactionStatus.Retransmit:
                        Send(client.Request, server);
                        break;
                    case StunTransactionStatus.TimedOut:
                        LogStunNoAnswer(_logger, server);
                        return default;
                    default:
                        throw new InvalidOperationException("Unknown transaction status.");
                }
            }

            return default;
        }
        catch (OperationCanceledException)
        {
            return default;
        }
        finally
        {
            _bindings.TryRemove(key, out _);
        }
    }

    /// <summary>A Binding response for a discovery of the port's own; false for anything else.</summary>
    private bool TryCompleteBinding(ReadOnlySpan<byte> datagram, IPEndPoint from)
    {
        if (_bindings.IsEmpty || !StunBindingClient.TryGetResponseTransactionId(datagram, out var id) ||
            !_bindings.TryGetValue(StunTransactionKey.Of(id), out var pending) || !pending.Client.Server.Equals(from) ||
            !pending.Client.TryHandleResponse(datagram, out var mapped))
        {
            return false;
        }

        pending.Answer.TrySetResult(mapped);
        return true;
    }

    private IceCandidate? ToCandidate(IPEndPoint? mapped, IPEndPoint server)
    {
        if (mapped is null)
        {
            LogStunError(_logger, server);
            return null;
        }

        var mappedAddress = mapped.Address.ToString();
        foreach (var host in _hostCandidates)
        {
            if (host.Address == mappedAddress && host.Port == mapped.Port)
            {
                return null; // RFC 8445 §5.1.3: the same as a host candidate, so redundant (a public host).
            }
        }

        // RFC 8445 §5.1.2.1 type preference 100 for srflx; raddr/rport is the base (RFC 8839 §5.1), the first host
        // address, since the socket is bound to all of them.
        var baseCandidate = _hostCandidates.Count > 0 ? _hostCandidates[0] : null;
        var candidate = new IceCandidate("s0", 1, IceCandidate.ComputePriority(IceCandidateType.ServerReflexive, 65535, 1), mappedAddress, mapped.Port,
            IceCandidateType.ServerReflexive, baseCandidate?.Address ?? "0.0.0.0", baseCandidate?.Port ?? LocalEndPoint.Port);
        LogServerReflexive(_logger, server, mapped);
        return candidate;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "STUN server {Server} sees the WebRTC port as {Mapped}: offering it as a server-reflexive candidate")]
    private static partial void LogServerReflexive(ILogger logger, IPEndPoint server, IPEndPoint mapped);

    [LoggerMessage(Level = LogLevel.Warning, Message = "STUN server {Server} did not answer: no server-reflexive candidate from it (viewers behind other NATs may not reach this server)")]
    private static partial void LogStunNoAnswer(ILogger logger, IPEndPoint server);

    [LoggerMessage(Level = LogLevel.Warning, Message = "STUN server {Server} answered without a mapped address: no server-reflexive candidate from it")]
    private static partial void LogStunError(ILogger logger, IPEndPoint server);
}
