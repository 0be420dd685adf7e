using System.Diagnostics.CodeAnalysis;

namespace EmsSharp.Server.Delivery.Rtp;

/// <summary>
/// One srtp viewer of a shared <see cref="RtpStreamSource"/>: a cursor into its ring of access units (the GOP cache, a
/// keyframe first, then live units). A viewer that lags past its bound skips to a keyframe and counts what it dropped.
/// </summary>
internal sealed class RtpSubscription(RtpStreamSource source, Media.Ring.StreamRingReader<RtpAccessUnit> reader)
    : SharedStreamSubscription<RtpAccessUnit>(source, reader)
{
    /// <summary>Access units this viewer lost: skipped because it fell behind, or passed while it waited for a keyframe.</summary>
    public long DroppedUnits => Reader.DroppedUnits;

    /// <summary>Access units handed to the consumer so far.</summary>
    public long DeliveredUnits => Reader.DeliveredUnits;

    /// <summary>The next access unit, if any: immutable and shared with other viewers.</summary>
    public bool TryRead([NotNullWhen(true)] out RtpAccessUnit? unit) => Reader.TryRead(out unit);
}
