namespace EmsSharp.WebRtc;

/// <summary>
/// A viewer's media sender as its session's worker drives it: when a stream ring it reads has new units (or ended),
/// the worker calls <see cref="Pump"/> on its own loop, once per worker turn however many units arrived, so one unit
/// costs one wake-up per worker instead of one per viewer. See <see cref="PeerSession.AddMediaPump"/>.
/// </summary>
public interface IMediaPump
{
    /// <summary>
    /// Reads what the pump's readers have and sends it (worker loop only, with the session's other events: no lock is
    /// needed against them). Must not block; an exception is logged and ends nothing else.
    /// </summary>
    void Pump();
}
