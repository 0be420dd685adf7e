using EmsSharp.Protocols.Dtls;
using EmsSharp.Protocols.Ice;

namespace EmsSharp.Protocols.Sdp;

/// <summary>The transport parameters that go into every local m-section.</summary>
/// <param name="IceUfrag">Local <c>a=ice-ufrag</c>.</param>
/// <param name="IcePassword">Local <c>a=ice-pwd</c>.</param>
/// <param name="Fingerprint">SHA-256 fingerprint of the DTLS certificate (colon-separated hex).</param>
/// <param name="Setup">
/// <c>actpass</c> in an offer; <c>active</c> or <c>passive</c> in an answer (RFC 5763 §5).
/// </param>
/// <param name="Candidates">Candidates known when the description is made (more may trickle).</param>
public sealed record SdpLocalParameters(
    string IceUfrag,
    string IcePassword,
    string Fingerprint,
    string Setup,
    IReadOnlyList<IceCandidate> Candidates)
{
    /// <summary>The setup value for a DTLS role in an answer.</summary>
    public static string SetupFor(DtlsRole role) => role == DtlsRole.Client ? "active" : "passive";
}
