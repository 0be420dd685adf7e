using System.Diagnostics;

namespace EmsSharp.Protocols.Dtls;

/// <summary>
/// DTLS handshakes and a record each way between two <see cref="DtlsEndpoint"/>s in memory, run once as a process
/// starts, so that the first sessions' handshakes run compiled, optimised code: the runtime first compiles each method
/// unoptimised (tier 0) and optimises it only after 30 calls, counted once no new method was compiled for 100 ms. A
/// burst of joining viewers, all handshaking at once and compiling as they go, ran the whole burst unoptimised (with
/// BouncyCastle's handshake, at 100 viewers joining at 50 a second the first ones took about a second to connect).
/// </summary>
public static class DtlsWarmup
{
    /// <summary>Handshakes a warm-up runs: one to compile, then enough for the runtime to count and optimise.</summary>
    public const int DefaultHandshakes = 31;

    // After the first handshake: longer than the runtime's 100 ms call-counting delay, so the next ones are counted.
    private static readonly TimeSpan CountingDelay = TimeSpan.FromMilliseconds(300);

    /// <summary>
    /// Runs <paramref name="handshakes"/> handshakes one after the other with <paramref name="certificate"/> on both
    /// sides; the time they took (the pause after the first excluded).
    /// </summary>
    /// <exception cref="InvalidOperationException">A handshake failed (the reason is the message).</exception>
    public static async Task<TimeSpan> RunAsync(DtlsCertificate certificate, int handshakes = DefaultHandshakes,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(handshakes);
        var took = TimeSpan.Zero;
        for (var i = 0; i < handshakes; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var start = Stopwatch.GetTimestamp();
            await Task.Run(() => Handshake(certificate), cancellationToken).ConfigureAwait(false);
            took += Stopwatch.GetElapsedTime(start);
            if (i == 0 && handshakes > 1)
            {
                await Task.Delay(CountingDelay, cancellationToken).ConfigureAwait(false);
            }
        }

        return took;
    }

    // Lossless and instant: each side's datagrams go straight to the other, at time zero, until both are connected and
    // each received one record.
    private static void Handshake(DtlsCertificate certificate)
    {
        using var server = new DtlsEndpoint(DtlsRole.Server, certificate, certificate.Fingerprint);
        using var client = new DtlsEndpoint(DtlsRole.Client, certificate, certificate.Fingerprint);
        server.Start(TimeSpan.Zero);
        client.Start(TimeSpan.Zero);
        var buffer = new byte[2048];
        var received = 0;
        var sent = false;
        for (var round = 0; round < 16 && received < 2; round++)
        {
            if (!sent && client.IsConnected && server.IsConnected)
            {
                sent = client.Send([1]) & server.Send([1]);
            }

            foreach (var (from, to) in new[] { (client, server), (server, client) })
            {
                while (from.TryPollTransmit(buffer, out var length))
                {
                    to.HandleInbound(buffer.AsSpan(0, length), TimeSpan.Zero);
                }

                while (to.TryPollEvent(out var ev))
                {
                    if (ev.Kind == DtlsEventKind.Closed)
                    {
                        throw new InvalidOperationException(ev.Reason ?? "closed");
                    }

                    received += ev.Kind == DtlsEventKind.ApplicationData ? 1 : 0;
                }
            }
        }

        if (received < 2)
        {
            throw new InvalidOperationException("the warm-up handshake did not complete");
        }
    }
}
