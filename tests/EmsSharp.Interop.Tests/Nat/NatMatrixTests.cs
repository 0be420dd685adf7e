using Xunit.Abstractions;

namespace EmsSharp.Interop.Tests.Nat;

/// <summary>
/// "Plays at first try across NATs and firewalls": for each placement of the ems and the viewer (public, behind a
/// cone or symmetric NAT, behind a network that drops UDP) one topology of network namespaces, one ers, one ems and
/// two player pages at once (fmp4 and srtp), each of which must show decoded frames rising for 10 s. Needs root.
/// One cell: <c>dotnet test tests/EmsSharp.Interop.Tests -c Release --no-build --filter "DisplayName~BothBehindCone"</c>.
/// </summary>
[Collection(NatMatrixCollection.Name)]
public sealed class NatMatrixTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(NatCell.BothPublic)]
    [InlineData(NatCell.ViewerBehindCone)]
    [InlineData(NatCell.EmsBehindCone)]
    [InlineData(NatCell.BothBehindCone)]
    [InlineData(NatCell.BothBehindSymmetric)]
    [InlineData(NatCell.ViewerDropsUdp)]
    [InlineData(NatCell.EmsDropsUdp)]
    public async Task Both_transports_play_at_first_try(NatCell cell)
    {
        Assert.True(IsRoot(), "the NAT matrix makes network namespaces and needs root (CI runs as root)");
        var (ems, viewer) = Sides(cell);
        await using var rig = await NatRig.StartAsync(ems, viewer);
        var outcomes = await Task.WhenAll(rig.PlayAsync("fmp4"), rig.PlayAsync("srtp"));
        foreach (var outcome in outcomes)
            output.WriteLine($"{cell} (ems {ems}, viewer {viewer}) {outcome.Transport}: {outcome.Summary}");
        if (outcomes.All(o => o.Plays))
            return;
        Assert.Fail(string.Concat(outcomes.Select(o => o.Detail)) + "\nlast server lines:\n" + rig.ServerTails(40));
    }

    private static bool IsRoot() => File.ReadAllLines("/proc/self/status").Any(l => l.StartsWith("Uid:\t0\t", StringComparison.Ordinal));

    private static (NetworkKind Ems, NetworkKind Viewer) Sides(NatCell cell) => cell switch
    {
        NatCell.BothPublic => (NetworkKind.Public, NetworkKind.Public),
        NatCell.ViewerBehindCone => (NetworkKind.Public, NetworkKind.ConeNat),
        NatCell.EmsBehindCone => (NetworkKind.ConeNat, NetworkKind.Public),
        NatCell.BothBehindCone => (NetworkKind.ConeNat, NetworkKind.ConeNat),
        NatCell.BothBehindSymmetric => (NetworkKind.SymmetricNat, NetworkKind.SymmetricNat),
        NatCell.ViewerDropsUdp => (NetworkKind.Public, NetworkKind.DropsUdp),
        NatCell.EmsDropsUdp => (NetworkKind.DropsUdp, NetworkKind.Public),
        _ => throw new ArgumentOutOfRangeException(nameof(cell), cell, null),
    };
}
