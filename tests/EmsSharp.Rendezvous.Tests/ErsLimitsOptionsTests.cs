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

    [Fact]
    public async Task Whep_answer_seconds_loads_from_the_limits_section_and_must_be_above_0()
    {
        using TempFolder temp = new("ers-limits");
        string path = Path.Combine(temp.Path, "default.json");
        Assert.Equal(20, new ErsLimitsOptions().WhepAnswerSeconds);

        await File.WriteAllTextAsync(path, """{ "limits": { "whepAnswerSeconds": 30 } }""");
        Assert.Equal(30, ErsOptions.Load(path).Limits.WhepAnswerSeconds);

        foreach (string bad in new[] { "0", "-1" })
        {
            await File.WriteAllTextAsync(path, $$"""{ "limits": { "whepAnswerSeconds": {{bad}} } }""");
            Assert.Throws<InvalidDataException>(() => ErsOptions.Load(path));
        }
    }
}
