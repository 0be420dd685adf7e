using System.Net.Sockets;
using EmsSharp.Media.Hub;

namespace EmsSharp.Server.Delivery.Rtsp;

/// <summary>The media pump of <see cref="RtspPlayback"/>: hub frames through <see cref="RtspRtpWriter"/> to the player.</summary>
internal sealed partial class RtspPlayback
{
    private readonly RtspRtpWriter _rtp = new("ems@" + sessionId);

    private async Task PumpAsync(CancellationToken cancellationToken)
    {
        var reason = "stream ended";
        try
        {
            await SendFrameAsync(_first, cancellationToken).ConfigureAwait(false);
            while (await _reader!.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (_reader.TryRead(out var frame))
                {
                    await SendFrameAsync(frame, cancellationToken).ConfigureAwait(false);
                }

                _counters!.SetDroppedFrames(_reader.DroppedFrames);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return; // the connection ends the session
        }
        catch (TimeoutException)
        {
            reason = "the player stopped reading (send timeout)";
        }
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException)
        {
            reason = "connection lost: " + e.Message;
        }

        LogPumpStopped(logger, _remote, _stream!.Name, reason);
        stopConnection(); // RFC 2326 has no "stream ended" message: closing the connection tells the player
    }

    private async ValueTask SendFrameAsync(MediaFrame frame, CancellationToken cancellationToken)
    {
        var track = TrackFor(frame);
        if (track is null || !_rtp.TryWrite(_stream!, frame, track, out var count))
        {
            return;
        }

        await _rtp.SendAsync(track, count, _counters!, writer.SendAsync, connection, cancellationToken).ConfigureAwait(false);
    }

    private RtspPlayTrack? TrackFor(in MediaFrame frame)
    {
        foreach (var track in _tracks)
        {
            if (track.Media.Kind == frame.Kind && track.Media.Codec == frame.Codec)
            {
                return track.IsSetUp ? track : null;
            }
        }

        return null; // a track the player did not set up, or a codec the publisher changed to since DESCRIBE
    }
}
