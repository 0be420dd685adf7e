namespace EmsSharp.Protocols.Sctp;

/// <summary>Error cause codes, RFC 9260 §3.3.10.</summary>
public enum SctpErrorCauseCode : ushort
{
    /// <summary>No cause given.</summary>
    None = 0,
    /// <summary>Invalid Stream Identifier.</summary>
    InvalidStreamIdentifier = 1,
    /// <summary>Missing Mandatory Parameter.</summary>
    MissingMandatoryParameter = 2,
    /// <summary>Stale Cookie Error.</summary>
    StaleCookie = 3,
    /// <summary>Out of Resource.</summary>
    OutOfResource = 4,
    /// <summary>Unrecognized Chunk Type.</summary>
    UnrecognizedChunkType = 6,
    /// <summary>Invalid Mandatory Parameter.</summary>
    InvalidMandatoryParameter = 7,
    /// <summary>Unrecognized Parameters.</summary>
    UnrecognizedParameters = 8,
    /// <summary>No User Data.</summary>
    NoUserData = 9,
    /// <summary>Cookie Received While Shutting Down.</summary>
    CookieReceivedWhileShuttingDown = 10,
    /// <summary>User-Initiated Abort.</summary>
    UserInitiatedAbort = 12,
    /// <summary>Protocol Violation.</summary>
    ProtocolViolation = 13,
}
