namespace EmsSharp.Server.Configs;

/// <summary>
/// EvoStream's status codes of a configuration (<c>getConfigInfo</c>, <c>listConfig</c>; shared/EVOSTREAM-API.md §3,
/// from EvoStream's streamstatus): every kind reports these, with its own words in the description.
/// </summary>
internal enum ConfigStatusCode
{
    /// <summary>The stream is live.</summary>
    Streaming = 0,

    /// <summary>Connecting to the other end (a pull's source, a WebRTC service's ERS).</summary>
    Connecting = 1,

    /// <summary>Connected, waiting for its stream.</summary>
    WaitingForStream = 2,

    /// <summary>Connected (a WebRTC service in its room, waiting for browsers).</summary>
    Connected = 3,

    /// <summary>The connection ended after it was up, or the configuration was stopped.</summary>
    Disconnected = 4,

    /// <summary>The attempt ended before it was up, or was refused.</summary>
    ConnectionFailed = 5,
}
