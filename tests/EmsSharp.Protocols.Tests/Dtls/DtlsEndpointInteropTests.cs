using EmsSharp.Protocols.Dtls;
using EmsSharp.Protocols.Dtls.BouncyCastle;

namespace EmsSharp.Protocols.Tests.Dtls;

/// <summary>
/// Our <see cref="DtlsEndpoint"/> against BouncyCastle's DTLS 1.2 (<see cref="BcDtlsTransport"/>), both roles. The
/// BouncyCastle side runs on its own thread on the wall clock, so ours is driven in real time here
/// (<see cref="RealTimeEndpoint"/>); the tests wait on events with timeouts and never sleep.
/// </summary>
public sealed class DtlsEndpointInteropTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData(DtlsRole.Server)]
    [InlineData(DtlsRole.Client)]
    public async Task Ours_and_bouncycastle_connect_with_the_same_keys_and_exchange_data(DtlsRole ourRole)
    {
        using var pair = Pair.Start(ourRole);
        var (ours, theirs, us, them) = (pair.Ours, pair.Theirs, pair.Us, pair.Them);
        var ourKeys = await ours.Connected.Task.WaitAsync(Timeout);
        var theirKeys = await theirs.Connected.Task.WaitAsync(Timeout);

        Assert.Equal(SrtpProtectionProfile.AeadAes128Gcm, ourKeys.ProfileId);
        Assert.Equal(theirKeys.ProfileId, ourKeys.ProfileId);
        Assert.Equal(theirKeys.KeyingMaterial, ourKeys.KeyingMaterial);
        Assert.Equal(ourRole == DtlsRole.Client, ourKeys.IsDtlsClient);

        Assert.True(us.Send([1, 2, 3]));
        Assert.True(theirs.Received.TryTake(out var atThem, Timeout));
        Assert.Equal([1, 2, 3], atThem);
        var big = new byte[them.SendLimit];
        Random.Shared.NextBytes(big);
        Assert.True(them.Send(big));
        Assert.True(ours.Received.TryTake(out var atUs, Timeout));
        Assert.Equal(big, atUs);

        us.Close();
        Assert.Null(await theirs.Closed.Task.WaitAsync(Timeout));
        Assert.Null(await ours.Closed.Task.WaitAsync(Timeout));
    }

    [Theory]
    [InlineData(DtlsRole.Server)]
    [InlineData(DtlsRole.Client)]
    public async Task Bouncycastle_closing_is_a_clean_close_for_ours(DtlsRole ourRole)
    {
        using var pair = Pair.Start(ourRole);
        var (ours, theirs, them) = (pair.Ours, pair.Theirs, pair.Them);
        await ours.Connected.Task.WaitAsync(Timeout);
        await theirs.Connected.Task.WaitAsync(Timeout);

        Assert.True(them.Send([5]));
        Assert.True(ours.Received.TryTake(out var first, Timeout));
        Assert.Equal([5], first);
        them.Close();
        Assert.Null(await ours.Closed.Task.WaitAsync(Timeout));
    }

    [Theory]
    [InlineData(DtlsRole.Server)]
    [InlineData(DtlsRole.Client)]
    public async Task A_wrong_fingerprint_fails_on_our_side_with_a_reason(DtlsRole ourRole)
    {
        using var pair = Pair.Start(ourRole, expectedFingerprint: DtlsCertificate.Generate().Fingerprint);
        var (ours, theirs) = (pair.Ours, pair.Theirs);

        var reason = await ours.Closed.Task.WaitAsync(Timeout);
        Assert.Equal("bad_certificate: fingerprint mismatch", reason);
        Assert.Equal("alert received: 42", await theirs.Closed.Task.WaitAsync(Timeout)); // bad_certificate
        Assert.False(ours.Connected.Task.IsCompleted);
    }

    /// <summary>Our endpoint in <c>ourRole</c> against BouncyCastle in the other, wired together and started.</summary>
    private sealed class Pair : IDisposable
    {
        private Pair(DtlsRole ourRole, string? expectedFingerprint)
        {
            var ourCert = DtlsCertificate.Generate();
            var theirCert = DtlsCertificate.Generate();
            Us = new RealTimeEndpoint(new DtlsEndpoint(ourRole, ourCert, expectedFingerprint ?? theirCert.Fingerprint), Ours);
            Them = new BcDtlsTransport(theirCert, ourCert.Fingerprint, Theirs);
            Ours.Peer = Them;
            Theirs.Peer = Us;
        }

        /// <summary>What our endpoint's handler saw.</summary>
        public DtlsTestEndpoint Ours { get; } = new();

        /// <summary>What BouncyCastle's handler saw.</summary>
        public DtlsTestEndpoint Theirs { get; } = new();

        public RealTimeEndpoint Us { get; }

        public BcDtlsTransport Them { get; }

        /// <param name="ourRole">Our endpoint's role; BouncyCastle takes the other.</param>
        /// <param name="expectedFingerprint">The fingerprint ours accepts (BouncyCastle's own when null).</param>
        public static Pair Start(DtlsRole ourRole, string? expectedFingerprint = null)
        {
            var pair = new Pair(ourRole, expectedFingerprint);
            pair.Us.Start(ourRole);
            pair.Them.Start(ourRole == DtlsRole.Server ? DtlsRole.Client : DtlsRole.Server);
            return pair;
        }

        public void Dispose()
        {
            Them.Dispose();
            Us.Dispose();
        }
    }
}
