using EmsSharp.Protocols.Sdp;

namespace EmsSharp.Protocols.Tests.Sdp;

public sealed class TrickleIceFragmentTests
{
    private const string Candidate = "a=candidate:1 1 udp 2122260223 192.0.2.7 40000 typ host\r\n";

    public static TheoryData<string, string?, string?, int> Fragments => new()
    {
        // RFC 9725 §4.3.2 trickle, as Chromium's candidates are PATCHed: the session's ufrag and a candidate per line.
        { "a=ice-ufrag:abcd\r\n" + Candidate, "abcd", null, 1 },
        // RFC 9725 §4.3.3 restart, with the m= line and mid of RFC 8840 §9's grammar, LF line ends, an end-of-candidates.
        { "a=group:BUNDLE 0\nm=video 9 UDP/TLS/RTP/SAVPF 102\na=mid:0\na=ice-ufrag:efgh\na=ice-pwd:efghijklmnopqrstuvwxyz01\n" +
          Candidate.Replace("\r", string.Empty, StringComparison.Ordinal) + "a=end-of-candidates\n", "efgh", "efghijklmnopqrstuvwxyz01", 1 },
        // Candidates without credentials, and one that does not parse (skipped, as trickle always skipped it).
        { Candidate + "a=candidate:garbage\r\n" + Candidate, null, null, 2 },
        { string.Empty, null, null, 0 },
    };

    [Theory]
    [MemberData(nameof(Fragments))]
    public void Reads_credentials_and_candidates(string text, string? ufrag, string? password, int candidates)
    {
        Assert.True(TrickleIceFragment.TryParse(text, out var fragment, out var error), error);
        Assert.Equal(ufrag, fragment!.Ufrag);
        Assert.Equal(password, fragment.Password);
        Assert.Equal(candidates, fragment.Candidates.Count);
    }

    public static TheoryData<string, string> Malformed => new()
    {
        { "a=ice-ufrag:abcd\r\na=ice-ufrag:efgh\r\n", "two a=ice-ufrag" },
        { "a=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=ice-pwd:efghijklmnopqrstuvwxyz01\r\n", "two a=ice-pwd" },
        { string.Concat(Enumerable.Repeat(Candidate, TrickleIceFragment.MaxCandidates + 1)), "more than 64 a=candidate lines" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Rejects_a_fragment_of_two_sessions_or_too_many_candidates(string text, string reason)
    {
        Assert.False(TrickleIceFragment.TryParse(text, out var fragment, out var error));
        Assert.Null(fragment);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> BadRestarts => new()
    {
        { "a=ice-ufrag:efgh\r\n", "needs its a=ice-pwd" },
        { "a=ice-ufrag:efg\r\na=ice-pwd:efghijklmnopqrstuvwxyz01\r\n", "a=ice-ufrag must be 4 to 256" },
        { "a=ice-ufrag:" + new string('u', 257) + "\r\na=ice-pwd:efghijklmnopqrstuvwxyz01\r\n", "a=ice-ufrag must be 4 to 256" },
        { "a=ice-ufrag:ef:h\r\na=ice-pwd:efghijklmnopqrstuvwxyz01\r\n", "a=ice-ufrag must be 4 to 256" },
        { "a=ice-ufrag:efgh\r\na=ice-pwd:tooshort\r\n", "a=ice-pwd must be 22 to 256" },
        { "a=ice-ufrag:efgh\r\na=ice-pwd:" + new string('p', 257) + "\r\n", "a=ice-pwd must be 22 to 256" },
        { "a=ice-ufrag:efgh\r\na=ice-pwd:efghijklmnopqrstuvwxyz0 \r\n", "a=ice-pwd must be 22 to 256" },
    };

    [Theory]
    [MemberData(nameof(BadRestarts))]
    public void A_restart_needs_well_formed_credentials(string text, string reason)
    {
        Assert.True(TrickleIceFragment.TryParse(text, out var fragment, out _));
        Assert.True(fragment!.IsRestartOf("abcd"));
        Assert.False(fragment.TryGetRestartCredentials(out _, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Another_ufrag_is_a_restart_the_same_or_none_is_trickle()
    {
        Assert.True(TrickleIceFragment.TryParse("a=ice-ufrag:efgh\r\na=ice-pwd:efghijklmnopqrstuvwxyz01\r\n", out var restart, out _));
        Assert.True(restart!.IsRestartOf("abcd"));
        Assert.False(restart.IsRestartOf("efgh"));
        Assert.True(restart.TryGetRestartCredentials(out var ufrag, out var password, out var error), error);
        Assert.Equal(("efgh", "efghijklmnopqrstuvwxyz01"), (ufrag, password));
        Assert.True(TrickleIceFragment.TryParse(Candidate, out var trickle, out _));
        Assert.False(trickle!.IsRestartOf("abcd"));
    }
}
