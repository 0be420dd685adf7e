using System.Collections.Concurrent;
using EmsSharp.Protocols.Dtls;

namespace EmsSharp.Protocols.Tests.Dtls;

/// <summary>
/// One side of a DTLS test: records what its transport reports, and sends its datagrams to <see cref="Peer"/> over a
/// <see cref="LossyWire"/> (by default one that loses nothing).
/// </summary>
internal sealed class DtlsTestEndpoint : IDtlsTransportHandler
{
    public DtlsTestEndpoint(Func<Func<IDtlsTransport?>, LossyWire>? wire = null) =>
        Wire = wire is null ? new LossyWire(() => Peer) : wire(() => Peer);

    public LossyWire Wire { get; }

    public IDtlsTransport? Peer { get; set; }

    public TaskCompletionSource<DtlsSrtpKeys> Connected { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource<string?> Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public BlockingCollection<byte[]> Received { get; } = [];

    /// <summary>When set, each transmit records this transport's send limit once it is known (<see cref="SendLimitsSeen"/>).</summary>
    public IDtlsTransport? Watched { get; set; }

    /// <summary>The send limits <see cref="Watched"/> reported while its datagrams went out, in order.</summary>
    public ConcurrentQueue<int> SendLimitsSeen { get; } = new();

    public void OnDtlsTransmit(ReadOnlySpan<byte> datagram)
    {
        Assert.True(DtlsRecordPeek.IsDtlsRecord(datagram));
        if (Watched is { SendLimit: > 0 and var limit })
        {
            SendLimitsSeen.Enqueue(limit);
        }

        Wire.Send(datagram.ToArray());
    }

    /// <summary>This endpoint's own transport: when set, the connected callback sends on it at once, as a session does.</summary>
    public IDtlsTransport? Own { get; set; }

    /// <summary>What the connected callback saw of <see cref="Own"/>: its send limit and whether a send went.</summary>
    public (int SendLimit, bool Sent)? AtConnected { get; private set; }

    public void OnDtlsConnected(DtlsSrtpKeys keys)
    {
        if (Own is { } own)
        {
            AtConnected = (own.SendLimit, own.Send([9, 9]));
        }

        Connected.TrySetResult(keys);
    }

    public void OnDtlsApplicationData(ReadOnlySpan<byte> data) => Received.Add(data.ToArray());

    public void OnDtlsClosed(string? error) => Closed.TrySetResult(error);
}
