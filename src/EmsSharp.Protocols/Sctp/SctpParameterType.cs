namespace EmsSharp.Protocols.Sctp;

/// <summary>Parameter types used here: RFC 9260 §3.3.2/§3.3.3, RFC 3758 §3.1, RFC 5061 §4.2.7, RFC 6525 §4.</summary>
internal enum SctpParameterType : ushort
{
    HeartbeatInfo = 1,
    StateCookie = 7,
    UnrecognizedParameter = 8,
    CookiePreservative = 9,
    SupportedAddressTypes = 12,
    OutgoingSsnResetRequest = 13,
    IncomingSsnResetRequest = 14,
    SsnTsnResetRequest = 15,
    ReConfigResponse = 16,
    AddOutgoingStreamsRequest = 17,
    AddIncomingStreamsRequest = 18,
    SupportedExtensions = 0x8008,
    ForwardTsnSupported = 0xC000,
}
