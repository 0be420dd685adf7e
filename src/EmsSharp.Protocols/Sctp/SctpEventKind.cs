namespace EmsSharp.Protocols.Sctp;

/// <summary>What an <see cref="SctpEvent"/> reports.</summary>
public enum SctpEventKind
{
    /// <summary>The association is established; data may be sent.</summary>
    Connected,
    /// <summary>A complete user message arrived (<see cref="SctpEvent.Data"/>).</summary>
    MessageReceived,
    /// <summary>The peer reset its outgoing streams (our incoming ones) listed in <see cref="SctpEvent.Streams"/> (RFC 6525).</summary>
    IncomingStreamsReset,
    /// <summary>Our outgoing streams listed in <see cref="SctpEvent.Streams"/> were reset; their SSNs restart at 0.</summary>
    OutgoingStreamsReset,
    /// <summary>The peer refused to reset the streams listed in <see cref="SctpEvent.Streams"/>.</summary>
    StreamResetFailed,
    /// <summary>The buffered amount of <see cref="SctpEvent.StreamId"/> fell to or below its low-water mark.</summary>
    BufferedAmountLow,
    /// <summary>The association ended by graceful shutdown.</summary>
    Closed,
    /// <summary>The association ended by ABORT (sent or received) or by too many retransmissions.</summary>
    Aborted,
}
