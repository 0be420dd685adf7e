using System.ComponentModel;
using System.Diagnostics;
using EmsSharp.Media.Aac;
using EmsSharp.Media.Hub;
using EmsSharp.Media.Ring;
using EmsSharp.Protocols.Rtp;

namespace EmsSharp.Server.Delivery.WebRtc;

/// <summary>
/// AAC → Opus for the srtp transport, once per stream for all its viewers (PROTOCOL.md §4.3): an ffmpeg child
/// reads the stream's AAC as ADTS on stdin and writes Ogg/Opus on stdout, whose packets are stamped on the
/// 48 kHz clock (from the first AAC timestamp plus each packet's duration) and published once into a
/// <see cref="StreamRing{T}"/> that every viewer reads with its own cursor; a viewer that lags by more than
/// <see cref="MaxLagPackets"/> skips ahead.
/// </summary>
internal sealed partial class AacOpusTranscoder : IAsyncDisposable
{
    /// <summary>Packets (20 ms each) a viewer may lag before it skips ahead: 2 s.</summary>
    public const int MaxLagPackets = 100;

    private readonly LiveStream _stream;
    private readonly Process _ffmpeg;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    // Every Opus packet is a point a viewer may start or resume at; the "GOP cache" is the latest packet.
    private readonly StreamRing<AudioPacket> _ring = new(new StreamRingOptions { MaxGopUnits = 1, ReaderLagUnits = MaxLagPackets });
    private readonly Task _feed;
    private readonly Task _read;
    private long _firstAacTimestamp = -1;
    private int _aacClockRate;

    private AacOpusTranscoder(LiveStream stream, Process ffmpeg, ILogger logger)
    {
        _stream = stream;
        _ffmpeg = ffmpeg;
        _logger = logger;
        ffmpeg.ErrorDataReceived += (_, e) =>
        {
            if (!string.IsNullOrWhiteSpace(e.Data))
                LogFfmpeg(_logger, _stream.Name, e.Data);
        };
        ffmpeg.BeginErrorReadLine();
        _feed = Task.Run(FeedAsync);
        _read = Task.Run(ReadAsync);
    }

    /// <summary>Starts ffmpeg for <paramref name="stream"/>; null (logged) when ffmpeg cannot be started.</summary>
    public static AacOpusTranscoder? TryStart(LiveStream stream, string ffmpegPath, ILogger logger)
    {
        var info = new ProcessStartInfo(ffmpegPath)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])[
            "-hide_banner", "-loglevel", "error", "-fflags", "nobuffer", "-probesize", "32", "-analyzeduration", "0",
            "-f", "aac", "-i", "pipe:0", "-vn", "-c:a", "libopus", "-b:a", "64k", "-ar", "48000",
            "-application", "lowdelay", "-frame_duration", "20", "-f", "ogg", "-page_duration", "20000",
            "-flush_packets", "1", "pipe:1"])
        {
            info.ArgumentList.Add(arg);
        }

        try
        {
            var process = Process.Start(info);
            if (process is null)
                return null;
            LogStarted(logger, stream.Name, process.Id);
            return new AacOpusTranscoder(stream, process, logger);
        }
        catch (Win32Exception e)
        {
            LogUnavailable(logger, stream.Name, ffmpegPath, e.Message);
            return null;
        }
    }

    /// <summary>
    /// A new reader of this stream's Opus packets (48 kHz timestamps), starting at the latest; <paramref name="listener"/>
    /// (the viewer's worker) is told of each. Dispose it to leave. A reader of a transcoder that ended sees the end.
    /// </summary>
    public StreamRingReader<AudioPacket> Subscribe(IStreamRingListener? listener) =>
        _ring.CreateReader(MaxLagPackets, 0, listener);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            _ffmpeg.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // already exited
        }

        try
        {
            await Task.WhenAll(_feed, _read).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // stopping
        }

        await _ffmpeg.WaitForExitAsync().ConfigureAwait(false);
        _ffmpeg.Dispose();
        _stop.Dispose();
    }

    // Hub AAC (raw frames) → ADTS (ISO/IEC 14496-3 §1.A.2) on ffmpeg's stdin.
    private async Task FeedAsync()
    {
        var stdin = _ffmpeg.StandardInput.BaseStream;
        var buffer = new byte[AdtsHeader.Size + 8192];
        try
        {
            using var reader = _stream.CreateReader();
            while (await reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
            {
                while (reader.TryRead(out var frame))
                {
                    if (frame.Kind != TrackKind.Audio || frame.Codec != MediaCodec.Aac || _stream.Audio is not { } config
                        || frame.Payload.Length > buffer.Length - AdtsHeader.Size
                        || !AudioSpecificConfig.TryRead(config.DecoderConfiguration.Span, out var asc, out _)
                        || !AdtsHeader.ForPayload(asc, frame.Payload.Length).TryWrite(buffer, out var headerLength))
                    {
                        continue;
                    }

                    if (Volatile.Read(ref _firstAacTimestamp) < 0)
                    {
                        _aacClockRate = config.ClockRate;
                        Volatile.Write(ref _firstAacTimestamp, frame.Pts);
                    }

                    frame.Payload.Span.CopyTo(buffer.AsSpan(headerLength));
                    await stdin.WriteAsync(buffer.AsMemory(0, headerLength + frame.Payload.Length), _stop.Token).ConfigureAwait(false);
                    await stdin.FlushAsync(_stop.Token).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // ffmpeg or the server is stopping
        }
        finally
        {
            try
            {
                stdin.Close(); // end of input lets ffmpeg flush and exit
            }
            catch (IOException)
            {
            }
        }
    }

    private async Task ReadAsync()
    {
        var stdout = _ffmpeg.StandardOutput.BaseStream;
        var ogg = new OggPacketReader();
        var buffer = new byte[16 * 1024];
        long samples = 0;
        OggPacketReader.PacketHandler onPacket = packet =>
        {
            // RFC 7845 §5: the ID and comment headers are not audio.
            if (packet.StartsWith("OpusHead"u8) || packet.StartsWith("OpusTags"u8))
                return;
            var duration = GetPacketSamples(packet);
            if (duration <= 0)
                return;
            var first = Volatile.Read(ref _firstAacTimestamp);
            var rate = _aacClockRate;
            var baseTimestamp = first >= 0 && rate > 0 ? first * OpusPayload.ClockRate / rate : 0;
            var timestamp = unchecked((uint)(baseTimestamp + samples));
            samples += duration;
            _ring.Publish(new AudioPacket(packet.ToArray(), timestamp), packet.Length, isKeyframe: true);
        };
        try
        {
            int n;
            while ((n = await stdout.ReadAsync(buffer, _stop.Token).ConfigureAwait(false)) > 0)
                ogg.Append(buffer.AsSpan(0, n), onPacket);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // stopping
        }
        finally
        {
            LogEnded(_logger, _stream.Name);
            _ring.Complete();
        }
    }

    /// <summary>Samples (48 kHz) in an Opus packet from its TOC byte (RFC 6716 §3.1); 0 when malformed.</summary>
    internal static int GetPacketSamples(ReadOnlySpan<byte> packet)
    {
        if (packet.IsEmpty)
            return 0;
        var config = packet[0] >> 3;
        // RFC 6716 §3.1 Table 2: SILK 10/20/40/60 ms, Hybrid 10/20 ms, CELT 2.5/5/10/20 ms.
        var frameSamples = config switch
        {
            < 12 => (config & 3) switch { 0 => 480, 1 => 960, 2 => 1920, _ => 2880 },
            < 16 => (config & 1) == 0 ? 480 : 960,
            _ => (config & 3) switch { 0 => 120, 1 => 240, 2 => 480, _ => 960 },
        };
        var frames = (packet[0] & 3) switch
        {
            0 => 1,
            1 or 2 => 2,
            _ => packet.Length > 1 ? packet[1] & 0x3F : 0,
        };
        return frameSamples * frames;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream {Stream}: AAC to Opus transcoder started (ffmpeg pid {Pid})")]
    private static partial void LogStarted(ILogger logger, string stream, int pid);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream {Stream}: ffmpeg ({Path}) cannot be started ({Reason}); srtp viewers get video only")]
    private static partial void LogUnavailable(ILogger logger, string stream, string path, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream {Stream}: AAC to Opus transcoder ended")]
    private static partial void LogEnded(ILogger logger, string stream);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Stream {Stream}: ffmpeg: {Line}")]
    private static partial void LogFfmpeg(ILogger logger, string stream, string line);
}
