using EmsSharp.Server.Delivery.Fmp4;

namespace EmsSharp.Server.Tests.Delivery.Fmp4;

public sealed class WsFmp4OptionsValidatorTests
{
    private static readonly (string Name, WsFmp4Options Options, string Message)[] InvalidOptions =
    [
        ("secure port", new WsFmp4Options { SecurePort = 70_000 }, "WsFmp4:SecurePort must be 0..65535"),
        ("cert alone", new WsFmp4Options { Cert = "server.cert" }, "WsFmp4:Cert and WsFmp4:Key must be given together"),
        ("key alone", new WsFmp4Options { Key = "server.key" }, "WsFmp4:Cert and WsFmp4:Key must be given together"),
        ("same ports", new WsFmp4Options { Cert = "c", Key = "k", SecurePort = 8410 }, "WsFmp4:SecurePort must differ from WsFmp4:Port"),
        ("handshake zero", new WsFmp4Options { TlsHandshakeTimeout = TimeSpan.Zero }, "WsFmp4:TlsHandshakeTimeout must be > 0"),
        ("handshake long", new WsFmp4Options { TlsHandshakeTimeout = TimeSpan.FromHours(1) }, "WsFmp4:TlsHandshakeTimeout must be > 0"),
        ("read key name", new WsFmp4Options { ReadKeys = new() { ["bad name"] = "k" } }, "WsFmp4:ReadKeys: the stream name may only hold"),
        ("empty read key", new WsFmp4Options { ReadKeys = new() { ["cam"] = "" } }, "WsFmp4:ReadKeys:cam has an empty key."),
    ];

    public static TheoryData<int> Invalid => [.. Enumerable.Range(0, InvalidOptions.Length)];

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Validator_rejects_bad_options_naming_them(int index)
    {
        var (name, options, message) = InvalidOptions[index];
        var result = new WsFmp4OptionsValidator().Validate(null, options);
        Assert.True(result.Failed, name);
        Assert.Contains(result.Failures!, f => f.StartsWith(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Source_options_are_bounded_by_what_a_stream_ring_holds()
    {
        var validator = new WsFmp4OptionsValidator();
        Assert.True(validator.Validate(null, new Fmp4SourceOptions()).Succeeded);
        var result = validator.Validate(null, new Fmp4SourceOptions { ViewerQueueFragments = 2_000_000 });
        Assert.Contains(result.Failures!, f => f.StartsWith("Fmp4:ReaderCapacity, Fmp4:ViewerQueueFragments and Fmp4:MaxGopFragments must be at most", StringComparison.Ordinal));
    }

    [Fact]
    public void Validator_accepts_the_defaults_keys_with_a_fallback_and_a_certificate_pair()
    {
        var validator = new WsFmp4OptionsValidator();
        Assert.True(validator.Validate(null, new WsFmp4Options()).Succeeded);
        Assert.True(validator.Validate(null, new WsFmp4Options
        {
            Cert = "server.cert",
            Key = "server.key",
            SecurePort = 0,
            Port = 0,
            ReadKeys = new() { ["cam1"] = "k1", ["*"] = "k2" },
        }).Succeeded);
    }
}
