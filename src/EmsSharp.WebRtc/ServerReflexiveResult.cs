using EmsSharp.Protocols.Ice;

namespace EmsSharp.WebRtc;

/// <summary>
/// What a STUN server said of the shared port: whether it answered over UDP at all (no answer suggests UDP is blocked
/// on the way), and the server-reflexive candidate to offer, if any.
/// </summary>
public readonly record struct ServerReflexiveResult(bool Answered, IceCandidate? Candidate);
