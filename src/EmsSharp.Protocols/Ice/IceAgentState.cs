namespace EmsSharp.Protocols.Ice;

/// <summary>Overall state of an <see cref="IceAgent"/>.</summary>
public enum IceAgentState
{
    /// <summary>Not yet checking (no remote credentials or candidates).</summary>
    New,

    /// <summary>Connectivity checks in progress.</summary>
    Checking,

    /// <summary>A pair is selected and consent is fresh.</summary>
    Connected,

    /// <summary>No pair works, or consent expired (RFC 7675 §5.1).</summary>
    Failed,

    /// <summary>Closed by the owner.</summary>
    Closed,
}
