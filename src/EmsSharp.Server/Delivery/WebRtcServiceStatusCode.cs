namespace EmsSharp.Server.Delivery;

/// <summary>The <c>code</c> of a WebRTC service status (shown by <c>getConfigInfo</c>).</summary>
public enum WebRtcServiceStatusCode
{
    /// <summary>Created, not connected to the ERS.</summary>
    NotConnected = 0,

    /// <summary>Connecting (or reconnecting) to the ERS.</summary>
    Connecting = 1,

    /// <summary>Joined the room on the ERS; waiting for browsers.</summary>
    Connected = 2,

    /// <summary>The ERS refused the room (taken, not allowed, bad token); the description says why.</summary>
    Refused = 3,

    /// <summary>Lost the ERS connection; keepAlive retries.</summary>
    Disconnected = 4,

    /// <summary>Stopped by a command or at shutdown.</summary>
    Stopped = 5,

    /// <summary>No ERS client is registered in this build.</summary>
    ErsClientUnavailable = 6,

    /// <summary>Not running: the saved configuration breaks <c>startWebrtc</c>'s checks or failed to start; the description says why.</summary>
    Failed = 7,
}
