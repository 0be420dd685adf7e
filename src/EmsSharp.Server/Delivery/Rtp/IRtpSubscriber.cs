namespace EmsSharp.Server.Delivery.Rtp;

/// <summary>
/// The consumer of one <see cref="RtpSubscription"/>, driven synchronously by the stream's pump instead of a loop of
/// its own: after the pump enqueued an access unit into every subscription it calls each subscriber's
/// <see cref="Drain"/>, so a stream with N viewers wakes one thread per unit, not N.
/// </summary>
internal interface IRtpSubscriber
{
    /// <summary>
    /// Reads what <paramref name="subscription"/> holds (<see cref="RtpSubscription.TryRead"/>) and sends it; also
    /// called once more after the stream ended (<see cref="RtpSubscription.IsDrained"/>). Never runs on two threads at
    /// once and never after the subscription's Dispose returned. Must not block: it delays the other viewers of the
    /// stream by its own duration. An exception ends this subscription only.
    /// </summary>
    void Drain(RtpSubscription subscription);
}
