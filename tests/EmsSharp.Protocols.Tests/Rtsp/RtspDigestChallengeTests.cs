using EmsSharp.Protocols.Rtsp;

namespace EmsSharp.Protocols.Tests.Rtsp;

public sealed class RtspDigestChallengeTests
{
    private readonly RtspDigestChallenge _challenge = new("EmsSharp", "0123abcd");

    private string Answer(string user, string password, bool withQop)
    {
        var header = _challenge.Header;
        if (!withQop)
            header = header.Replace(", qop=\"auth\"", "", StringComparison.Ordinal);
        var client = new RtspAuthenticator(user, password, "c1e2");
        Assert.True(client.TryAcceptChallenge([header]));
        return client.GetAuthorization("ANNOUNCE", "rtsp://h/cam")!;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_client_answer_verifies_with_its_password_only(bool withQop)
    {
        Assert.True(_challenge.TryReadResponse(Answer("bob", "pw", withQop), out var response));
        Assert.Equal("bob", response.Username);
        Assert.Equal(withQop, response.NonceCount is not null);
        Assert.True(_challenge.Verify(response, "ANNOUNCE", "pw"));
        Assert.False(_challenge.Verify(response, "ANNOUNCE", "pW"));
        Assert.False(_challenge.Verify(response, "RECORD", "pw")); // the method is part of A2
    }

    [Fact]
    public void An_answer_to_another_challenge_is_not_read()
    {
        var other = new RtspDigestChallenge("EmsSharp", "ffff0000");
        Assert.False(other.TryReadResponse(Answer("bob", "pw", true), out _));
        var otherRealm = new RtspDigestChallenge("Elsewhere", "0123abcd");
        Assert.False(otherRealm.TryReadResponse(Answer("bob", "pw", true), out _));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Basic Ym9iOnB3")]
    [InlineData("Digest ")]
    [InlineData("Digest username=\"bob\", realm=\"EmsSharp\", nonce=\"0123abcd\", uri=\"u\"")]
    [InlineData("Digest username=\"bob\", realm=\"EmsSharp\", nonce=\"0123abcd\", uri=\"u\", response=\"00\", algorithm=SHA-256")]
    [InlineData("Digest username=\"bob\", realm=\"EmsSharp\", nonce=\"0123abcd\", uri=\"u\", response=\"00\", qop=auth")]
    [InlineData("Digest username=\"bob\", realm=\"EmsSharp\", nonce=\"0123abcd\", uri=\"u\", response=\"00\", qop=auth-int, nc=1, cnonce=\"x\"")]
    [InlineData("Digest username=\"bob, realm=\"EmsSharp\"")]
    public void Malformed_or_foreign_answers_are_not_read(string? authorization)
    {
        Assert.False(_challenge.TryReadResponse(authorization, out _));
    }

    [Fact]
    public void The_challenge_offers_md5_with_qop_auth()
    {
        Assert.Equal("Digest realm=\"EmsSharp\", nonce=\"0123abcd\", algorithm=MD5, qop=\"auth\"", _challenge.Header);
    }
}
