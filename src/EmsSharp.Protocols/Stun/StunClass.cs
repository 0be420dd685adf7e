namespace EmsSharp.Protocols.Stun;

/// <summary>The class bits of a STUN message type (RFC 8489 §5).</summary>
internal enum StunClass
{
    Request = 0,
    Indication = 1,
    SuccessResponse = 2,
    ErrorResponse = 3,
}
