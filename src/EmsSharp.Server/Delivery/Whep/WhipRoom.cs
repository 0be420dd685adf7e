using System.Net;
using System.Security.Cryptography;
using EmsSharp.Media.Hub;
using EmsSharp.Protocols.Net;
using EmsSharp.Server.Delivery.WebRtc;
using EmsSharp.Server.Ingest;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Delivery.Whep;

/// <summary>
/// The WHIP publishers of the WHEP listener (RFC 9725): each a <see cref="WhipSession"/> publishing one stream into the
/// hub, as an RTMP or RTSP publisher does, from its offer until its <c>DELETE</c>, ICE failure or consent expiry, or
/// until the stream is ended from outside (<c>shutdownStream</c>, a takeover). Its ending ends the stream.
/// </summary>
internal sealed partial class WhipRoom : IAsyncDisposable
{
    private readonly ViewerSessions<WhipSession> _sessions;
    private readonly AddressSlots _slots;
    private readonly PublishAuthorizer _publishers;
    private readonly ILogger _logger;

    public WhipRoom(ViewerResources resources, PublishAuthorizer publishers, IOptions<WhepOptions> options)
    {
        Resources = resources;
        _publishers = publishers;
        _slots = new AddressSlots(options.Value.MaxSessionsPerAddress, options.Value.MaxSessions);
        _logger = resources.LoggerFactory.CreateLogger<WhipRoom>();
        _sessions = new ViewerSessions<WhipSession>(static session => session, CloseAsync);
    }

    public ViewerResources Resources { get; }

    /// <summary>
    /// Publishes the granted stream of <paramref name="decision"/> from a session that answers <paramref name="offer"/>;
    /// the outcome is the answer, or why there is none (<see cref="ViewerRefusal.Conflict"/> when another publisher holds
    /// the name). <see cref="AddressSlotRefusal"/> says which cap refused it, if one did (no session then).
    /// </summary>
    public Task<WhepOutcome> OfferAsync(PublishDecision decision, string offer, IPAddress address, out AddressSlotRefusal refusal, out string id)
    {
        id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        return _slots.TryTake(address, out refusal)
            ? PublishAsync(decision, offer, address, id)
            : Task.FromResult(new WhepOutcome(false, null, null));
    }

    /// <summary>The session <paramref name="id"/>, if it lives.</summary>
    public WhipSession? Find(string id) => _sessions.Find(id);

    /// <summary>Ends <paramref name="session"/> and its stream (in the background).</summary>
    public void Remove(WhipSession session)
    {
        if (_sessions.TryRemove(session, out _))
            _slots.Release(session.Address);
    }

    public ValueTask DisposeAsync() => new(_sessions.CloseAllAsync());

    private async Task<WhepOutcome> PublishAsync(PublishDecision decision, string offer, IPAddress address, string id)
    {
        // The media is RTP as an RTSP publisher's: the stream is listed with the same type.
        if (!_publishers.TryPublish(decision, new StreamOrigin(StreamOrigin.RtspTag, Far: new IPEndPoint(address, 0)), out var stream, out var tookOver))
        {
            _slots.Release(address);
            LogConflict(_logger, address, decision.Name);
            return new WhepOutcome(false, $"stream \"{decision.Name}\" is being published by another publisher; " +
                "end that one or publish under another name", ViewerRefusal.Conflict);
        }

        if (tookOver)
            IngestLog.PublishTakenOver(_logger, "WHIP", new IPEndPoint(address, 0), decision.Name);
        var session = new WhipSession(this, id, stream, address, Resources.LoggerFactory.CreateLogger<WhipSession>());
        if (!_sessions.TryAdd(session))
        {
            _slots.Release(address);
            stream.Dispose();
            return new WhepOutcome(false, "the server is stopping", ViewerRefusal.Unavailable);
        }

        LogSession(_logger, id, decision.Name, address);

        // shutdownStream or a takeover ends the stream from outside: the session goes with it.
        _ = stream.Completion.ContinueWith(
            static (_, state) =>
            {
                var (room, ended) = ((WhipRoom, WhipSession))state!;
                room.Remove(ended);
            },
            (this, session), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        var outcome = await session.AnswerAsync(offer).ConfigureAwait(false);
        if (!outcome.Answered)
        {
            stream.Dispose(); // the name is free again when the refusal is told, not once the session closed
            Remove(session);
        }

        return outcome;
    }

    private async Task CloseAsync(WhipSession session)
    {
        await session.DisposeAsync().ConfigureAwait(false);
        LogClosed(_logger, session.PeerId, session.Stream.Name, session.DroppedPackets, session.NacksSent, session.RetransmissionsReceived,
            session.PacketsLost);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "WHIP session {Id} publishes stream {Stream} from {Address}")]
    private static partial void LogSession(ILogger logger, string id, string stream, IPAddress address);

    [LoggerMessage(Level = LogLevel.Warning, Message = "WHIP publisher from {Address} refused: stream {Stream} is published by another")]
    private static partial void LogConflict(ILogger logger, IPAddress address, string stream);

    [LoggerMessage(Level = LogLevel.Information, Message = "WHIP session {Id} closed; stream {Stream} ended ({Dropped} packets dropped; " +
        "{Nacks} NACKs sent, {Retransmissions} retransmissions received, {Lost} video packets given up on)")]
    private static partial void LogClosed(ILogger logger, string id, string stream, long dropped, long nacks, long retransmissions, long lost);
}
