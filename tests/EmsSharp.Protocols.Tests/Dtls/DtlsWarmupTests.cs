using EmsSharp.Protocols.Dtls;

namespace EmsSharp.Protocols.Tests.Dtls;

public sealed class DtlsWarmupTests
{
    // The count a process runs at its start, so that the run that the ems and the load tool make is the one tested.
    [Fact]
    public async Task The_default_handshakes_in_memory_connect_and_carry_a_record_each_way()
    {
        var took = await DtlsWarmup.RunAsync(DtlsCertificate.Generate("CN=ems-load"));
        Assert.True(took > TimeSpan.Zero);
    }

    [Fact]
    public async Task A_count_below_one_is_refused() =>
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => DtlsWarmup.RunAsync(DtlsCertificate.Generate(), handshakes: 0));
}
