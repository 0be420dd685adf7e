using EmsSharp.Media.Hub;
using EmsSharp.Protocols.Net;

namespace EmsSharp.Server.Delivery.Rtsp;

/// <summary>What the RTSP listener gives each connection so it can serve a player: the hub, the outputs' list and the settings.</summary>
/// <param name="Hub">Where the streams are read.</param>
/// <param name="Outputs">Where a player is listed as an outbound stream (<c>ONP</c>); null: not listed.</param>
/// <param name="Settings">Read keys, waits and timeouts.</param>
/// <param name="Refusals">One log line per <see cref="LogThrottle.Interval"/> for refused players (keys), so a flood of guesses is no flood of lines.</param>
internal sealed record RtspPlaybackContext(StreamHub Hub, OutboundStreamRegistry? Outputs, RtspPlaybackSettings Settings, LogThrottle Refusals);
