using EmsSharp.Protocols.Rtsp;

namespace EmsSharp.Protocols.Tests.Rtsp;

public class RtspAuthenticatorTests
{
    [Fact]
    public void Rfc2617_section_3_5_digest_example()
    {
        // RFC 2617 §3.5: Mufasa / "Circle Of Life", GET /dir/index.html, qop=auth, nc=00000001, cnonce 0a4f113b.
        var authenticator = new RtspAuthenticator("Mufasa", "Circle Of Life", "0a4f113b");
        Assert.True(authenticator.TryAcceptChallenge(
        [
            "Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"",
        ]));
        var header = authenticator.GetAuthorization("GET", "/dir/index.html")!;
        var fields = RtspAuthenticator.ParseParameters(header["Digest ".Length..]);
        Assert.Equal("6629fae49393a05397450978507c4ef1", fields["response"]);
        Assert.Equal("00000001", fields["nc"]);
        Assert.Equal("5ccc069c403ebaf9f0171e9517f40e41", fields["opaque"]);
    }

    [Fact]
    public void Basic_is_used_when_it_is_the_only_scheme()
    {
        var authenticator = new RtspAuthenticator("Aladdin", "open sesame", "x");
        Assert.Null(authenticator.GetAuthorization("DESCRIBE", "rtsp://h/s"));
        Assert.True(authenticator.TryAcceptChallenge(["Basic realm=\"cam\""]));
        // RFC 7617 §2 example credentials.
        Assert.Equal("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", authenticator.GetAuthorization("DESCRIBE", "rtsp://h/s"));
    }

    [Theory]
    [InlineData("Negotiate abc")]
    [InlineData("Digest realm=\"x\"")]
    [InlineData("Digest realm=\"x\", nonce=\"n\", algorithm=SHA-256")]
    [InlineData("Digest nonce=\"unterminated")]
    public void Unusable_challenges_are_refused(string challenge)
    {
        Assert.False(new RtspAuthenticator("u", "p", "c").TryAcceptChallenge([challenge]));
    }
}
