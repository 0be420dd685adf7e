namespace EmsSharp.Protocols.Ice;

/// <summary>Kinds of <see cref="IceEvent"/>.</summary>
public enum IceEventKind
{
    /// <summary>A pair was selected: media may flow to <see cref="IceEvent.RemoteEndPoint"/>.</summary>
    Connected,

    /// <summary>Checks failed or consent expired.</summary>
    Failed,
}
