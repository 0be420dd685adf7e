using System.Net;
using System.Text.Json.Nodes;
using EmsSharp.Media.Hub;
using EmsSharp.Protocols.Rtmp;
using EmsSharp.Server.Api;
using EmsSharp.Server.Delivery;
using EmsSharp.Server.Security;

namespace EmsSharp.Server.Ingest;

/// <summary>The play side of an RTMP connection: one player, from its play command to its end.</summary>
internal sealed partial class RtmpIngestConnection
{
    // §7.2.2.1: a play names a stream, with a read key in its query when Ingest:RtmpReadKeys is set ("cam1?key=...");
    // the name may be a stream alias (addStreamAlias), whose stream the key must then be for. A stream that is not live
    // is waited for (Ingest:RtmpPlayWaitTimeout, as WS-FMP4 and WebRTC viewers wait for theirs).
    private void StartPlay(uint messageStreamId, string requested)
    {
        var (name, query) = StreamKeys.Split(requested);
        if (_play is not null)
        {
            Refuse(RtmpPlayRefusal.Failed, "this connection plays a stream already");
            return;
        }

        if (!StreamName.IsValid(name, out var invalid))
        {
            Refuse(RtmpPlayRefusal.Failed, invalid);
            return;
        }

        var alias = play.Aliases is { } aliases && aliases.TryPeek(name, out var found) ? found : null;
        var target = alias?.LocalStreamName ?? name;
        var reason = StreamKeys.Check(play.Options.RtmpReadKeys, target, query) switch
        {
            KeyCheck.Admitted => null,
            KeyCheck.KeyMissing => "a read key is required (name?key=...)",
            KeyCheck.WrongKey => "wrong read key",
            _ => "no read key is configured for this stream", // KeyCheck.NoKeyForName
        };
        if (reason is not null)
        {
            Refuse(RtmpPlayRefusal.Failed, reason);
            return;
        }

        if (alias is not null && !play.Aliases!.TryUse(alias, "RTMP player from " + _remote))
        {
            Refuse(RtmpPlayRefusal.StreamNotFound, $"stream {name} not found"); // the one-shot alias went to another viewer
            return;
        }

        var stop = new CancellationTokenSource();
        var wait = play.Hub.WaitForStreamAsync(target, play.Options.RtmpPlayWaitTimeout, stop.Token);
        _play = new RtmpPlay(messageStreamId, target, stop, wait); // the loop stretches its idle timer while it waits

        void Refuse(RtmpPlayRefusal refusal, string why)
        {
            IngestLog.RtmpPlayRefused(logger, _remote, CommandParser.Shorten(name), why);
            _session.RejectPlay(messageStreamId, refusal, $"Play refused: {why}.");
        }
    }

    // The player's stream appeared (or not), or its reader has frames (or the stream ended, or shutdownStream stopped it).
    private async Task StepPlayAsync(RtmpPlay current)
    {
        if (current.Player is null)
        {
            var stream = current.Wait.IsCompletedSuccessfully ? current.Wait.Result : null;
            if (stream is null)
            {
                IngestLog.RtmpPlayRefused(logger, _remote, current.Name, "stream not found");
                _session.RejectPlay(current.MessageStreamId, RtmpPlayRefusal.StreamNotFound, $"Stream {current.Name} not found.");
                await StopPlayAsync(current, null).ConfigureAwait(false);
                return;
            }

            Begin(current, stream);
        }

        var player = current.Player!;
        var more = current.Ready.IsCompletedSuccessfully && ((Task<bool>)current.Ready).Result;
        player.Drain(_session, MaxPlayBurstBytes);
        var (frames, bytes, audioFrames, audioBytes) = player.LastDrain;
        current.Counters.AddPackets(frames - audioFrames, (int)(bytes - audioBytes));
        current.Counters.AddAudioPackets(audioFrames, (int)audioBytes);
        current.Counters.SetDroppedFrames(player.DroppedFrames + player.SkippedFrames);
        if (frames > 0)
        {
            _idle?.CancelAfter(idleTimeout); // a player that is sent media is not idle, whatever it sends
        }

        if (current.Stop.IsCancellationRequested || (!more && player.Reader.Count == 0))
        {
            // The stream ended (its reader drained), or shutdownStream ended the player.
            var reason = current.Stop.IsCancellationRequested ? "shut down" : "stream ended";
            _session.EndPlay(current.MessageStreamId, $"{current.Name} {reason}.");
            await StopPlayAsync(current, reason).ConfigureAwait(false);
            return;
        }

        current.Ready = player.Reader.WaitToReadAsync(current.Stop.Token).AsTask();
    }

    // Admits the player: its reader (from the GOP cache's keyframe), its place in the outputs (outStreamCreated) and the
    // connection's streams, and the §7.2.2.1 answer.
    private void Begin(RtmpPlay current, LiveStream stream)
    {
        var reader = stream.CreateReader(play.Options.RtmpPlayQueueFrames);
        current.Player = new RtmpPlayer(current.MessageStreamId, reader);
        var local = socket.LocalEndPoint as IPEndPoint;
        var remote = _remote as IPEndPoint;
        var app = _session.App;
        current.Output = play.Outputs?.Open(new OutboundStreamSpec(stream, OutboundStream.RtmpTag, null, current.Counters,
            () => (local, remote),
            () => new JsonObject { ["protocol"] = "rtmp", ["playerApp"] = app ?? string.Empty },
            () => CancelQuietly(current.Stop)));
        if (current.Output is { } output)
        {
            connection.AttachStream(output.Id);
        }

        _session.AcceptPlay(current.MessageStreamId, stream.Name, RtmpPlayer.Metadata(stream));
        IngestLog.RtmpPlayStarted(logger, _remote, stream.Name, current.Output?.Id ?? 0);
        current.Ready = Task.FromResult(true);
    }

    // Ends the play whatever ended it: the reader detaches, the wait (if any) is cancelled and awaited, and the player leaves
    // the outputs (outStreamClosed) and the connection's streams, exactly once.
    private async Task StopPlayAsync(RtmpPlay current, string? reason)
    {
        _play = null;
        CancelQuietly(current.Stop);
        current.Player?.Dispose();
        await ((Task)current.Wait).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await current.Ready.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        current.Stop.Dispose();
        if (current.Output is { } output)
        {
            play.Outputs!.Close(output, new JsonObject
            {
                ["droppedFrames"] = current.Player!.DroppedFrames,
                ["sentFrames"] = current.Player.SentFrames,
                ["skippedFrames"] = current.Player.SkippedFrames,
            });
            connection.DetachStream(output.Id);
        }

        if (current.Player is { } player && reason is not null)
        {
            IngestLog.RtmpPlayEnded(logger, _remote, current.Name, reason, player.SentFrames, player.DroppedFrames, player.SkippedFrames);
        }
    }

    // shutdownStream may find the player listed just as it leaves, after its token source was disposed.
    private static void CancelQuietly(CancellationTokenSource stop)
    {
        try
        {
            stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // the player is gone already
        }
    }

    /// <summary>One play of the connection: waiting for its stream, then playing it.</summary>
    private sealed class RtmpPlay(uint messageStreamId, string name, CancellationTokenSource stop, Task<LiveStream?> wait)
    {
        public uint MessageStreamId { get; } = messageStreamId;

        public string Name { get; } = name;

        /// <summary>Ends the wait, or the reader's wait (shutdownStream, the end of the play).</summary>
        public CancellationTokenSource Stop { get; } = stop;

        public Task<LiveStream?> Wait { get; } = wait;

        /// <summary>Completes when the loop has something to do for the play: the wait's end, then each time frames can be read.</summary>
        public Task Ready { get; set; } = wait;

        public RtmpPlayer? Player { get; set; }

        public OutboundStream? Output { get; set; }

        public ViewerTrafficCounters Counters { get; } = new();
    }
}

/// <summary>What an RTMP connection needs to serve players.</summary>
/// <param name="Hub">Where the streams are.</param>
/// <param name="Options">Read keys, wait and send timeouts, the player's queue.</param>
/// <param name="Outputs">The list of outputs (players appear in listStreams and raise outStreamCreated/Closed), if any.</param>
/// <param name="Aliases">The stream aliases a player may name, if any.</param>
internal sealed record RtmpPlayServices(StreamHub Hub, IngestOptions Options, OutboundStreamRegistry? Outputs, StreamAliases? Aliases);
