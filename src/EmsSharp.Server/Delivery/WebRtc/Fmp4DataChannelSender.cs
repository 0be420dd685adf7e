using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EmsSharp.Media.Hub;
using EmsSharp.Protocols.DataChannels;
using EmsSharp.Protocols.Dtls;
using EmsSharp.Protocols.Sdp;
using EmsSharp.Server.Delivery.Fmp4;
using EmsSharp.WebRtc;

namespace EmsSharp.Server.Delivery.WebRtc;

/// <summary>
/// The fmp4 transport (PROTOCOL.md §3.3 step 4, §4.1-4.2): two reliable ordered data channels,
/// <c>emsCommandChannel</c> opened first, then <c>emsStreamChannel</c>. The browser asks for its stream with
/// <c>fmp4Request</c> on the command channel; the answer is <c>fmp4Response</c>, then the stream's 249-255 framed
/// fragmented MP4 (init packet, GOP cache from its keyframe, live fragments) from the stream's shared
/// <see cref="Fmp4StreamSource"/>, so the muxing is done once per stream whatever the number of viewers.
/// Once the stream is found the viewer has no task of its own: it is an <see cref="IMediaPump"/> its session's worker
/// runs when the stream's ring has new fragments. Back-pressure: when the stream channel's buffered amount passes
/// <see cref="HighWater"/> the viewer stops reading until it drained below <see cref="LowWater"/>, then skips to the
/// next keyframe fragment, so a slow viewer catches up with live instead of falling behind, and never delays another
/// viewer. The requested name may be a stream alias (<see cref="StreamAliases"/>).
/// </summary>
internal sealed partial class Fmp4DataChannelSender : IViewerMediaSender, IMediaPump
{
    internal const string CommandChannelLabel = "emsCommandChannel";
    internal const string StreamChannelLabel = "emsStreamChannel";

    /// <summary>The description the stock EvoStream server gives for a stream it cannot send.</summary>
    internal const string NotFoundDescription = "Requested stream could not be sent!";

    private const long HighWater = 1024 * 1024;
    private const long LowWater = 256 * 1024;

    /// <summary>How long a channel may take to be acknowledged (DATA_CHANNEL_ACK, RFC 8832 §5.2).</summary>
    private static readonly TimeSpan OpenTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Largest channel message we send; a framed packet may span messages (PROTOCOL.md §4.2).</summary>
    private const int MaxChunk = 64 * 1024;

    private readonly Fmp4SourceManager _sources;
    private readonly StreamAliases _aliases;
    private readonly string _peerId;
    private readonly TimeSpan _streamWait;
    private readonly TimeProvider _time;
    private readonly long _joinedAt;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _channelsCreated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private PeerSession? _session;
    private PeerDataChannel? _command;
    private PeerDataChannel? _stream;
    private int _requested;
    private volatile bool _answered;
    private Task _setup = Task.CompletedTask;
    private Fmp4Subscription? _subscription;
    private string _name = string.Empty;
    private bool _draining;
    private bool _ended;

    /// <summary>
    /// A sender for a viewer that joined now: its stream is awaited for <paramref name="streamWait"/> from this moment, as
    /// an srtp viewer's is, however long its data channels take to open before it can name the stream.
    /// </summary>
    public Fmp4DataChannelSender(Fmp4SourceManager sources, StreamAliases aliases, string peerId, TimeSpan streamWait, TimeProvider time, ILogger logger)
    {
        _sources = sources;
        _aliases = aliases;
        _peerId = peerId;
        _streamWait = streamWait;
        _time = time;
        _joinedAt = time.GetTimestamp();
        _logger = logger;
    }

    public event Action<IViewerMediaSender, string>? Ended;

    public event Action<IViewerMediaSender, LiveStream>? Streaming;

    public WebRtcOfferOptions OfferOptions { get; } = new() { DataChannel = true };

    public ViewerTrafficCounters Counters { get; } = new();

    /// <summary>Test hook: raised on the session's worker when the viewer backed up and the sender stopped reading.</summary>
    internal Action? Paused { get; set; }

    /// <summary>The stream the browser asked for, once it did.</summary>
    public string? RequestedStream { get; private set; }

    public void Start(PeerSession session, DtlsSrtpKeys keys)
    {
        // The stock player sends its request as soon as any channel opens: the command channel goes first.
        // Handlers go on before the channels can open: the session's worker opens a channel as soon as it is created,
        // and the player's request can come back before this thread's next line (it did, under load, in a test whose
        // request was then lost: the handler was attached after CreateDataChannel returned).
        _session = session;
        session.DataChannelOpenedByPeer += (_, channel) => channel.MessageReceived += OnCommand;
        _command = session.CreateDataChannel(CommandChannelLabel, beforeOpen: channel => channel.MessageReceived += OnCommand);
        _stream = session.CreateDataChannel(StreamChannelLabel);
        _channelsCreated.TrySetResult();
    }

    private void OnCommand(PeerDataChannel channel, PeerDataChannelMessage message)
    {
        if (!message.IsText || !TryReadRequest(message.Data, out var name))
        {
            LogIgnoredCommand(_logger, _peerId, channel.Label);
            return;
        }

        if (Interlocked.Exchange(ref _requested, 1) != 0)
            return; // one stream per peer connection; a repeated request changes nothing
        RequestedStream = name;
        _setup = Task.Run(() => SetUpAsync(name, _stop.Token));
    }

    /// <summary>Reads <c>{"type":"fmp4Request","payload":{"name":"..."}}</c>.</summary>
    internal static bool TryReadRequest(ReadOnlySpan<byte> json, out string name)
    {
        name = string.Empty;
        try
        {
            using var doc = JsonDocument.Parse(json.ToArray());
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String
                || type.GetString() != "fmp4Request"
                || !root.TryGetProperty("payload", out var payload) || payload.ValueKind != JsonValueKind.Object
                || !payload.TryGetProperty("name", out var n) || n.ValueKind != JsonValueKind.String)
                return false;
            name = n.GetString() ?? string.Empty;
            return name.Length > 0;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    // Until the stream is found (a task for the first seconds only): both channels open, the stream subscribed, the
    // answer sent; then the worker pumps.
    private async Task SetUpAsync(string name, CancellationToken token)
    {
        try
        {
            // The request can come back before Start has created the stream channel (the worker opens the command channel
            // as soon as it is created, and a viewer asks at once): it seemed lost, with a NullReferenceException here.
            await _channelsCreated.Task.WaitAsync(token).ConfigureAwait(false);

            // The browser may ask before our side has seen the ACK of either channel (it sends as soon as its
            // side is open): a send before then would be refused, so wait for both.
            if (!await WaitOpenAsync(_command!, token).ConfigureAwait(false) || !await WaitOpenAsync(_stream!, token).ConfigureAwait(false))
            {
                LogChannelsNotOpen(_logger, _peerId, name);
                return;
            }

            // The requested name may be an alias (a one-shot one is used up here, by this viewer); the answer names what
            // the browser asked for, as its player matches the reply against its request.
            var session = _session!;
            var streamName = _aliases.Resolve(name, "WebRTC viewer " + _peerId);
            // What is left of the wait since the join: on a loaded server ICE, DTLS and SCTP may take seconds before the
            // request comes, and the viewer is told within the wait of its join, not that plus the set-up.
            var wait = _streamWait - _time.GetElapsedTime(_joinedAt);
            wait = wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
            var subscribing = _sources.SubscribeAsync(streamName, wait, token, session.MediaListener);
            if (!subscribing.IsCompleted)
            {
                SendWaiting(name, wait); // the wait (and its timer) is set: the stream is not published yet
            }

            var subscription = await subscribing.ConfigureAwait(false);
            if (subscription is null)
            {
                LogStreamNotFound(_logger, _peerId, name);
                Respond(name, success: false, NotFoundDescription + " (stream \"" + name + "\" was not found on the server)");
                return;
            }

            Respond(name, success: true, "Stream " + name + " is being sent");
            LogStreaming(_logger, _peerId, streamName);
            _name = name;
            _subscription = subscription;
            Streaming?.Invoke(this, subscription.Stream);
            var channel = _stream!;
            channel.BufferedAmountLowThreshold = LowWater;
            channel.BufferedAmountLow += OnDrained;
            session.AddMediaPump(subscription.Ring, this);
        }
        catch (OperationCanceledException)
        {
            // the viewer left
        }
    }

    // On the session's worker: hand what arrived to the stream channel, unless it is backed up.
    public void Pump()
    {
        if (_ended || _draining || _subscription is not { } subscription)
            return;
        var channel = _stream!;
        var completed = subscription.IsCompleted; // read first: everything published before the end is drained below
        while (true)
        {
            if (channel.BufferedAmount > HighWater)
            {
                _draining = true; // OnDrained resumes at the next keyframe
                Paused?.Invoke();
                break;
            }

            if (!subscription.TryReadPacket(out var packet))
            {
                if (completed)
                {
                    _ended = true;
                    Ended?.Invoke(this, "stream \"" + _name + "\" ended");
                }

                break;
            }

            if (!SendChunked(channel, packet.Bytes))
            {
                _ended = true; // the channel closed: the session is ending
                break;
            }

            // Handed to the channel: the server-added latency of the fragment's oldest frame.
            if (packet.ArrivalTimestamp >= subscription.SubscribedAt)
                _sources.Stats.Fmp4.RecordSince(packet.ArrivalTimestamp);
        }

        Counters.SetDroppedFrames(subscription.DroppedFragments);
    }

    // On the session's worker: the stream channel drained below the low-water mark.
    private void OnDrained(PeerDataChannel channel)
    {
        if (!_draining || _subscription is not { } subscription)
            return;
        _draining = false;
        subscription.SkipToNextKeyframe();
        Pump();
    }

    /// <summary>True once <paramref name="channel"/> is open; false if it closes or stays unacknowledged.</summary>
    private static async Task<bool> WaitOpenAsync(PeerDataChannel channel, CancellationToken token)
    {
        var opened = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnOpened(PeerDataChannel _) => opened.TrySetResult(true);
        void OnClosed(PeerDataChannel _) => opened.TrySetResult(false);
        channel.Opened += OnOpened;
        channel.Closed += OnClosed;
        try
        {
            switch (channel.State)
            {
                case DataChannelState.Open:
                    return true;
                case DataChannelState.Closing or DataChannelState.Closed:
                    return false;
                case DataChannelState.Connecting:
                    return await opened.Task.WaitAsync(OpenTimeout, token).ConfigureAwait(false);
                default:
                    throw new InvalidOperationException("Unknown data channel state.");
            }
        }
        catch (TimeoutException)
        {
            return false;
        }
        finally
        {
            channel.Opened -= OnOpened;
            channel.Closed -= OnClosed;
        }
    }

    private bool SendChunked(PeerDataChannel channel, ReadOnlyMemory<byte> packet)
    {
        for (var offset = 0; offset < packet.Length; offset += MaxChunk)
        {
            var chunk = packet.Slice(offset, Math.Min(MaxChunk, packet.Length - offset));
            if (!channel.SendImmutable(chunk)) // the packet's bytes are immutable and shared by every viewer
                return false;
            Counters.AddPacket(chunk.Length);
        }

        return true;
    }

    // Before the wait for a stream not yet published: the answer comes when it is (PROTOCOL.md §4.1 lets the EMS wait),
    // at the latest after waitMs with a FAIL. A player that gives a silent server a few seconds would otherwise give up
    // and start again before a FAIL could reach it, and never say the stream is unknown. EvoStream's own player hands a
    // message of a type it does not know to the page's command hook, if any (docs/ARCHITECTURE.md §6).
    private void SendWaiting(string name, TimeSpan wait)
    {
        var waiting = new JsonObject
        {
            ["type"] = "fmp4Waiting",
            ["payload"] = new JsonObject
            {
                ["name"] = name,
                ["waitMs"] = (long)wait.TotalMilliseconds,
                ["description"] = "Waiting up to " + wait.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)
                    + " s for stream \"" + name + "\" to be published",
            },
        };
        _command?.SendText(waiting.ToJsonString());
    }

    private void Respond(string name, bool success, string description)
    {
        var reply = new JsonObject
        {
            ["type"] = "fmp4Response",
            ["payload"] = new JsonObject
            {
                ["status"] = success ? "SUCCESS" : "FAIL",
                ["name"] = name,
                ["description"] = description,
            },
        };
        _answered = _command?.SendText(reply.ToJsonString()) == true;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_answered && _command is not null)
        {
            // A viewer that leaves unanswered is one that saw nothing: say where it stopped.
            LogLeftUnanswered(_logger, _peerId, Volatile.Read(ref _requested) != 0,
                _command?.State ?? DataChannelState.Closed, _stream?.State ?? DataChannelState.Closed);
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _setup.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // stopping
        }

        if (_subscription is { } subscription)
        {
            _stream!.BufferedAmountLow -= OnDrained;
            // Once this completes the worker runs neither the pump nor OnDrained again.
            await _session!.RemoveMediaPumpAsync(subscription.Ring, this).ConfigureAwait(false);
            subscription.Dispose();
        }

        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Peer {PeerId}: ignored a message on {Label} that is not an fmp4Request")]
    private static partial void LogIgnoredCommand(ILogger logger, string peerId, string label);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Peer {PeerId} asked for stream {Stream}, which did not appear in time")]
    private static partial void LogStreamNotFound(ILogger logger, string peerId, string stream);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Peer {PeerId} asked for stream {Stream}, but its data channels did not open")]
    private static partial void LogChannelsNotOpen(ILogger logger, string peerId, string stream);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Peer {PeerId} left without an fmp4Response (request received: {Requested}; command channel {Command}, stream channel {Stream})")]
    private static partial void LogLeftUnanswered(ILogger logger, string peerId, bool requested, DataChannelState command, DataChannelState stream);

    [LoggerMessage(Level = LogLevel.Information, Message = "Peer {PeerId}: sending stream {Stream} as fMP4 over data channels")]
    private static partial void LogStreaming(ILogger logger, string peerId, string stream);
}
