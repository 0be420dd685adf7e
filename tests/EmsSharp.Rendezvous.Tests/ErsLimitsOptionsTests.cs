using EmsSharp.Rendezvous.Configuration;

namespace EmsSharp.Rendezvous.Tests;

public sealed class ErsLimitsOptionsTests
{
    [Fact]
    public async Task Tls_handshake_seconds_loads_from_the_limits_section_and_must_be_above_0_and_at_most_300()
    {
        using TempFolder temp = new("ers-limits");
        string path = Path.Combine(temp.Path, "default.json");
        Assert.Equal(10, new ErsLimitsOptions().TlsHandshakeSeconds);

        await File.WriteAllTextAsync(path, """{ "limits": { "tlsHandshakeSeconds": 2.5 } }""");
        Assert.Equal(2.5, ErsOptions.Load(path).Limits.TlsHandshakeSeconds);

        foreach (string bad in new[] { "0", "-1", "301" })
        {
            await File.WriteAllTextAsync(path, $$"""{ "limits": { "tlsHandshakeSeconds": {{bad}} } }""");
            Assert.Throws<InvalidDataException>(() => ErsOptions.Load(path));
        }
    }
}
