using System.Diagnostics;
using System.Threading.Channels;

namespace EmsSharp.Protocols.Dtls.BouncyCastle;

/// <summary>
/// DTLS handshakes and a record each way between two transports in memory, run once as a process starts, so that the
/// first sessions' handshakes run compiled, optimised code. BouncyCastle ships no ready-to-run code, and a handshake
/// (the state machine, ECDHE and ECDSA on P-256 in C#, the certificate, the PRF) is hundreds of methods: the runtime
/// first compiles each unoptimised (tier 0) and optimises a method only after 30 calls, counted once no new method was
/// compiled for 100 ms. A burst of joining viewers, all handshaking at once and compiling as they go, ran the whole
/// burst unoptimised: at 100 viewers joining at 50 a second the first ones took about a second to connect.
/// </summary>
public static class DtlsWarmup
{
    /// <summary>Handshakes a warm-up runs: one to compile, then enough for the runtime to count and optimise.</summary>
    public const int DefaultHandshakes = 31;

    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    // After the first handshake: longer than the runtime's 100 ms call-counting delay, so the next ones are counted.
    private static readonly TimeSpan CountingDelay = TimeSpan.FromMilliseconds(300);

    /// <summary>
    /// Runs <paramref name="handshakes"/> handshakes one after the other with <paramref name="certificate"/> on both
    /// sides; the time they took (the pause after the first excluded).
    /// </summary>
    /// <exception cref="TimeoutException">A handshake did not finish within 10 s.</exception>
    /// <exception cref="InvalidOperationException">A handshake failed (the reason is the message).</exception>
    public static async Task<TimeSpan> RunAsync(DtlsCertificate certificate, int handshakes = DefaultHandshakes,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(handshakes);
        var took = TimeSpan.Zero;
        for (var i = 0; i < handshakes; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await HandshakeAsync(certificate, cancellationToken).ConfigureAwait(false);
            took += Stopwatch.GetElapsedTime(start);
            if (i == 0 && handshakes > 1)
            {
                await Task.Delay(CountingDelay, cancellationToken).ConfigureAwait(false);
            }
        }

        return took;
    }

    private static async Task HandshakeAsync(DtlsCertificate certificate, CancellationToken cancellationToken)
    {
        var server = new Side();
        var client = new Side();
        using var serverTransport = new BcDtlsTransport(certificate, certificate.Fingerprint, server);
        using var clientTransport = new BcDtlsTransport(certificate, certificate.Fingerprint, client);
        server.Peer = clientTransport;
        client.Peer = serverTransport;
        serverTransport.Start(DtlsRole.Server);
        clientTransport.Start(DtlsRole.Client);
        await Task.WhenAll(server.Connected.Task, client.Connected.Task).WaitAsync(HandshakeTimeout, cancellationToken)
            .ConfigureAwait(false);
        clientTransport.Send([1]);
        serverTransport.Send([1]);
        await Task.WhenAll(server.Received.Task, client.Received.Task).WaitAsync(HandshakeTimeout, cancellationToken)
            .ConfigureAwait(false);
    }

    // One side: its datagrams reach the other side's transport in order (as on a link; a reordered final flight left a
    // handshake waiting on retransmission timers), on a task of their own, never on the sending thread (which may hold
    // its own transport's receive gate).
    private sealed class Side : IDtlsTransportHandler
    {
        private readonly Channel<byte[]> _wire = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });

        public Side() => _ = DeliverAsync();

        public IDtlsTransport? Peer { get; set; }

        public TaskCompletionSource Connected { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Received { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void OnDtlsTransmit(ReadOnlySpan<byte> datagram) => _wire.Writer.TryWrite(datagram.ToArray());

        public void OnDtlsConnected(DtlsSrtpKeys keys) => Connected.TrySetResult();

        public void OnDtlsApplicationData(ReadOnlySpan<byte> data) => Received.TrySetResult();

        public void OnDtlsClosed(string? error)
        {
            _wire.Writer.TryComplete();
            var failed = new InvalidOperationException(error ?? "closed");
            Connected.TrySetException(failed);
            Received.TrySetException(failed);
        }

        private async Task DeliverAsync()
        {
            await foreach (var datagram in _wire.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                Peer?.HandleDatagram(datagram);
            }
        }
    }
}
