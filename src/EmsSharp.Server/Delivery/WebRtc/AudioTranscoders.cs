using EmsSharp.Media.Hub;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Delivery.WebRtc;

/// <summary>
/// The running <see cref="AacOpusTranscoder"/>s, one per stream, shared by its srtp viewers: started by the first
/// viewer's <see cref="Acquire"/>, stopped when the last one calls <see cref="ReleaseAsync"/>.
/// </summary>
internal sealed class AudioTranscoders(IOptions<WebRtcOptions> options, ILogger<AacOpusTranscoder> logger) : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<LiveStream, (AacOpusTranscoder Transcoder, int Users)> _running = [];

    /// <summary>The stream's transcoder (started if needed), or null when ffmpeg is unavailable.</summary>
    public AacOpusTranscoder? Acquire(LiveStream stream)
    {
        lock (_gate)
        {
            if (_running.TryGetValue(stream, out var entry))
            {
                _running[stream] = (entry.Transcoder, entry.Users + 1);
                return entry.Transcoder;
            }

            var transcoder = AacOpusTranscoder.TryStart(stream, options.Value.FfmpegPath, logger);
            if (transcoder is not null)
                _running[stream] = (transcoder, 1);
            return transcoder;
        }
    }

    /// <summary>One viewer less; the last one stops ffmpeg.</summary>
    public async ValueTask ReleaseAsync(LiveStream stream)
    {
        AacOpusTranscoder? stop = null;
        lock (_gate)
        {
            if (!_running.TryGetValue(stream, out var entry))
                return;
            if (entry.Users > 1)
            {
                _running[stream] = (entry.Transcoder, entry.Users - 1);
            }
            else
            {
                _running.Remove(stream);
                stop = entry.Transcoder;
            }
        }

        if (stop is not null)
            await stop.DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        AacOpusTranscoder[] all;
        lock (_gate)
        {
            all = new AacOpusTranscoder[_running.Count];
            var i = 0;
            foreach (var entry in _running.Values)
                all[i++] = entry.Transcoder;
            _running.Clear();
        }

        foreach (var t in all)
            await t.DisposeAsync().ConfigureAwait(false);
    }
}
