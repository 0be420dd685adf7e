namespace EmsSharp.Server.Delivery;

/// <summary>
/// Server-wide delivery latency per transport (<c>getDeliveryStats</c>): from a frame's arrival in the hub to the
/// moment a viewer's last packet of it left (srtp), or the fragment holding it was handed to the viewer's channel
/// (fmp4). One instance per server (DI singleton).
/// </summary>
internal sealed class DeliveryStats(TimeProvider time)
{
    private long _sinceTicks = time.GetUtcNow().UtcTicks;

    /// <summary>The srtp transport (RTP over SRTP, one sample per video frame per viewer).</summary>
    public DeliveryLatencyHistogram Srtp { get; } = new();

    /// <summary>The fmp4 transport (WS-FMP4 and the WebRTC data channel, one sample per fragment per viewer).</summary>
    public DeliveryLatencyHistogram Fmp4 { get; } = new();

    /// <summary>When counting started (server start or the last reset).</summary>
    public DateTimeOffset Since => new(Interlocked.Read(ref _sinceTicks), TimeSpan.Zero);

    /// <summary>Starts counting afresh.</summary>
    public void Reset()
    {
        Srtp.Reset();
        Fmp4.Reset();
        Interlocked.Exchange(ref _sinceTicks, time.GetUtcNow().UtcTicks);
    }
}
