namespace EmsSharp.Server.Delivery;

/// <summary>
/// The seam between a <see cref="WebRtcService"/> and the ERS signalling client (Delivery/Ers).
/// <see cref="Start"/> is called once when the service starts (at <c>startWebrtc</c> or at start-up replay);
/// it must return at once and run the connection in the background, reporting progress through
/// <see cref="WebRtcService.SetStatus"/>. Disposing the returned handle (on <c>stopWebrtc</c>,
/// <c>removeConfig</c> or shutdown) ends the connection and its peer sessions.
/// </summary>
public interface IErsConnector
{
    /// <summary>Starts connecting <paramref name="service"/> to its ERS; the handle stops it.</summary>
    IAsyncDisposable Start(WebRtcService service);
}
