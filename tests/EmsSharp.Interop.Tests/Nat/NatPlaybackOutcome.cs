namespace EmsSharp.Interop.Tests.Nat;

/// <summary>What one player page of a NAT matrix cell did.</summary>
/// <param name="Transport">fmp4 or srtp.</param>
/// <param name="Plays">Whether decoded frames rose for the whole watch.</param>
/// <param name="Summary">One line: frames, or why not, and the selected candidate pair.</param>
/// <param name="Detail">Candidates, pairs, page text and console, for a failure message.</param>
internal sealed record NatPlaybackOutcome(string Transport, bool Plays, string Summary, string Detail);
