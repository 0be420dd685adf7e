using System.Net.Http.Json;
using System.Text.Json;
using EmsSharp.Load.Signalling;

namespace EmsSharp.Load.Viewers;

/// <summary>The ems API probe and the run's summary.</summary>
internal sealed partial class ViewerLoad
{
    /// <summary>
    /// Calls the ems command <c>getDeliveryStats</c> (with <c>reset=1</c> at the start of the steady phase) and
    /// returns its reply's <c>data</c>; null without <c>--api</c>, on a FAIL (an ems without the command) or when
    /// the API does not answer.
    /// </summary>
    private async Task<JsonElement?> QueryDeliveryStatsAsync(bool reset, TextWriter log, CancellationToken token)
    {
        if (options.Api is not { } api)
        {
            return null;
        }

        using HttpClient http = new() { BaseAddress = api, Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            JsonElement reply = await http.GetFromJsonAsync<JsonElement>(reset ? "getDeliveryStats?reset=1" : "getDeliveryStats", token)
                .ConfigureAwait(false);
            if (reply.ValueKind == JsonValueKind.Object && reply.TryGetProperty("status", out JsonElement status) && status.ValueEquals("SUCCESS")
                && reply.TryGetProperty("data", out JsonElement data))
            {
                return data.Clone();
            }

            await log.WriteLineAsync($"getDeliveryStats: {reply}").ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or TaskCanceledException && !token.IsCancellationRequested)
        {
            await log.WriteLineAsync($"getDeliveryStats: {e.Message}").ConfigureAwait(false);
        }

        return null;
    }

    private ViewerResult Summarize(double steadySeconds, long steadyBytes, ProcessSample? baseline, ProcessSample? steadyStart,
        ProcessSample? steadyEnd, JsonElement? serverLatency, double toolCpuPercent)
    {
        List<double> keyframes = [];
        List<string> failures = [];
        int connected = 0, failed = 0;
        long packets = 0, video = 0, audio = 0, bytes = 0, lost = 0, expected = 0, duplicates = 0, tooLate = 0, repeatedNacks = 0, authFailures = 0, nacks = 0;
        long srtpChecked = 0;
        for (int i = 0; i < _viewers.Length; i++)
        {
            if (_viewers[i] is not { } viewer)
            {
                failed++;
                continue;
            }

            if (viewer.Connected)
            {
                connected++;
                JoinTimes.Add(viewer.JoinMs);
            }

            if (!double.IsNaN(viewer.FirstKeyframeMs))
            {
                keyframes.Add(viewer.FirstKeyframeMs);
            }

            string? failure = viewer.Failure ?? (!viewer.Connected ? "not connected" : viewer.Packets == 0 ? "connected but received no media" : null);
            if (failure is not null)
            {
                failed++;
                if (failures.Count < MaxFailuresListed)
                {
                    failures.Add($"viewer {i}: {failure}");
                }
            }

            packets += viewer.Packets;
            video += viewer.VideoPackets;
            audio += viewer.AudioPackets;
            bytes += viewer.Bytes;
            lost += viewer.Lost;
            expected += viewer.Expected;
            duplicates += viewer.Duplicates;
            tooLate += viewer.TooLate;
            repeatedNacks += viewer.RepeatedNacks;
            authFailures += viewer.AuthFailures;
            srtpChecked += viewer.SrtpChecked;
            nacks += viewer.NacksSent;
        }

        double viewerMinutes = connected * steadySeconds / 60;
        long transitSamples = 0;
        ViewerPercentiles? transit = _transitStart is { } from && _transitEnd is { } to ? TransitHistogram.Between(from, to, out transitSamples) : null;
        return new ViewerResult
        {
            Label = options.Label ?? $"{server} {options.TransportName} {options.Viewers}",
            Server = server,
            Transport = options.TransportName,
            Relay = options.Relay,
            Viewers = options.Viewers,
            Connected = connected,
            Failed = failed,
            Failures = failures,
            DurationSeconds = Math.Round(steadySeconds, 2),
            JoinMs = ViewerPercentiles.From([.. JoinTimes]),
            FirstKeyframeMs = ViewerPercentiles.From(keyframes),
            Packets = packets,
            VideoPackets = video,
            AudioPackets = audio,
            Bytes = bytes,
            Lost = lost,
            LossPercent = expected == 0 ? 0 : Math.Round(lost * 100.0 / expected, 4),
            Duplicates = duplicates,
            TooLate = tooLate,
            RepeatedNacks = repeatedNacks,
            AuthFailures = authFailures,
            NacksSent = nacks,
            KbpsPerViewer = connected == 0 || steadySeconds <= 0 ? 0 : Math.Round(steadyBytes * 8 / steadySeconds / 1000 / connected, 1),
            ServerCpuSecondsPerViewerMinute = steadyStart is { } s && steadyEnd is { } e && viewerMinutes > 0
                ? Math.Round((e.CpuSeconds - s.CpuSeconds) / viewerMinutes, 4) : null,
            ErsCpuSecondsPerViewerMinute = _ersStart is { } ersStart && _ersEnd is { } ersEnd && viewerMinutes > 0
                ? Math.Round((ersEnd.CpuSeconds - ersStart.CpuSeconds) / viewerMinutes, 4) : null,
            TransitMs = transit,
            TransitSamples = transitSamples,
            ServerRssBytesBaseline = baseline?.RssBytes,
            ServerRssBytesPerViewer = baseline is { } b && steadyEnd is { } end ? (end.RssBytes - b.RssBytes) / options.Viewers : null,
            ServerThreadsBaseline = baseline?.Threads,
            ServerThreadsSteady = steadyEnd?.Threads,
            LoadToolCpuPercent = Math.Round(toolCpuPercent, 1),
            ToolCpuSecondsPerViewerMinute = _toolStart is { } ts && _toolEnd is { } te && viewerMinutes > 0
                ? Math.Round((te.CpuSeconds - ts.CpuSeconds) / viewerMinutes, 4) : null,
            ToolSocketDrops = _toolEnd?.SocketDrops - _toolStart?.SocketDrops,
            UdpRcvbufErrors = _toolEnd?.RcvbufErrors - _toolStart?.RcvbufErrors,
            ReceiveThreads = _pool?.Threads ?? 0,
            DatagramsPerReceiveCall = _pool is { Calls: > 0 } pool ? Math.Round((double)pool.Datagrams / pool.Calls, 2) : null,
            UdpGro = _pool?.UdpGro,
            SrtpCheckEvery = options.Transport == ViewerTransport.Srtp ? options.SrtpCheckEvery : null,
            SrtpCheckedPackets = srtpChecked,
            Sampled = options.Transport == ViewerTransport.Srtp && options.SrtpCheckEvery > 1
                ? $"authFailures: SRTP authentication and decryption of every packet until a viewer's first keyframe, then 1 in {options.SrtpCheckEvery} "
                    + "(srtpCheckedPackets); packets, loss, duplicates, NACKs, transit and first keyframe count every packet"
                : null,
            ServerLatency = serverLatency,
            Timeline = _timeline,
        };
    }
}
