using EmsSharp.Protocols.Dtls;
using EmsSharp.Protocols.Dtls.BouncyCastle;

namespace EmsSharp.Protocols.Tests.Dtls;

/// <summary>
/// Seeded corpora of malformed DTLS records (mutations of a real ClientHello, truncations, garbage) handed to a
/// BouncyCastle server through our transport: the worker must end through the handler, never by an exception out of
/// it (that would end the process), and a handshake must still complete on a fresh transport. Real time, event waits.
/// </summary>
public sealed class DtlsMalformedRecordTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private static readonly DtlsCertificate ServerCertificate = DtlsCertificate.Generate();
    private static readonly DtlsCertificate ClientCertificate = DtlsCertificate.Generate();

    private sealed class Recorder : IDtlsTransportHandler
    {
        public TaskCompletionSource<byte[]> FirstTransmit { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<string?> Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void OnDtlsTransmit(ReadOnlySpan<byte> datagram) => FirstTransmit.TrySetResult(datagram.ToArray());

        public void OnDtlsConnected(DtlsSrtpKeys keys)
        {
        }

        public void OnDtlsApplicationData(ReadOnlySpan<byte> data)
        {
        }

        public void OnDtlsClosed(string? error) => Closed.TrySetResult(error);
    }

    private static async Task<byte[]> CaptureClientHelloAsync()
    {
        var recorder = new Recorder();
        using var client = new BcDtlsTransport(ClientCertificate, ServerCertificate.Fingerprint, recorder);
        client.Start(DtlsRole.Client);
        return await recorder.FirstTransmit.Task.WaitAsync(Timeout);
    }

    /// <summary>One malformed record derived from <paramref name="hello"/> (any record): byte flips, a truncation, a bad length, or garbage.</summary>
    private static byte[] Mutate(byte[] hello, Random random)
    {
        var record = (byte[])hello.Clone();
        switch (random.Next(record.Length > 25 ? 5 : 2))
        {
            case 0:
                for (var i = random.Next(1, 8); i > 0; i--)
                {
                    record[random.Next(record.Length)] = (byte)random.Next(256);
                }

                return record;
            case 1:
                return record.AsSpan(0, random.Next(1, record.Length)).ToArray();
            case 2:
                // Record length (bytes 11-12) or handshake length (bytes 14-16) or fragment fields (19-24).
                int[] fields = [11, 12, 14, 15, 16, 19, 20, 21, 22, 23, 24];
                record[fields[random.Next(fields.Length)]] = (byte)random.Next(256);
                return record;
            case 3:
                var garbage = new byte[random.Next(13, 300)];
                random.NextBytes(garbage);
                garbage[0] = (byte)random.Next(20, 26);
                garbage[1] = 0xFE;
                garbage[2] = (byte)(random.Next(2) == 0 ? 0xFD : 0xFF);
                return garbage;
            default:
                // A ClientHello whose body is shuffled after the fixed headers.
                random.Shuffle(record.AsSpan(25));
                return record;
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public async Task Malformed_records_end_the_handshake_through_the_handler_never_by_an_exception(int seed)
    {
        var hello = await CaptureClientHelloAsync();
        var random = new Random(seed);
        var recorder = new Recorder();
        var server = new BcDtlsTransport(ServerCertificate, ClientCertificate.Fingerprint, recorder);
        server.Start(DtlsRole.Server);
        for (var i = 0; i < 40 && !recorder.Closed.Task.IsCompleted; i++)
        {
            server.HandleDatagram(Mutate(hello, random));
        }

        server.Dispose(); // closes the bridge: a worker still waiting ends through OnDtlsClosed as well
        await recorder.Closed.Task.WaitAsync(Timeout);
    }

    [Theory]
    [InlineData(21)]
    [InlineData(22)]
    [InlineData(23)]
    [InlineData(24)]
    [InlineData(25)]
    [InlineData(26)]
    public async Task A_real_handshake_with_its_client_flights_mutated_in_flight_ends_through_the_handler(int seed)
    {
        // The client's later flights (ClientHello with cookie, Certificate, ClientKeyExchange, CertificateVerify,
        // Finished) reach the server's handshake parsers mutated; whatever happens, the worker reports its end.
        var random = new Random(seed);
        var client = new Relay();
        var server = new Relay();
        using var serverTransport = new BcDtlsTransport(ServerCertificate, ClientCertificate.Fingerprint, server);
        using var clientTransport = new BcDtlsTransport(ClientCertificate, ServerCertificate.Fingerprint, client);
        client.Peer = serverTransport;
        server.Peer = clientTransport;
        client.Mutate = datagram =>
        {
            lock (random)
            {
                return random.Next(3) == 0 ? datagram : Mutate(datagram, random);
            }
        };
        serverTransport.Start(DtlsRole.Server);
        clientTransport.Start(DtlsRole.Client);
        // The handshake ends either way, or the client has sent four mutated datagrams into it (BouncyCastle
        // retransmits a stalled flight): enough of the corpus reached the server either way.
        await Task.WhenAny(server.Connected.Task, server.Closed.Task, client.Sent(4)).WaitAsync(Timeout);
        serverTransport.Dispose();
        await server.Closed.Task.WaitAsync(Timeout);
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    public async Task Truncated_and_garbage_records_are_discarded_and_the_handshake_then_completes(int seed)
    {
        var hello = await CaptureClientHelloAsync();
        var random = new Random(seed);
        var client = new Relay();
        var server = new Relay();
        using var serverTransport = new BcDtlsTransport(ServerCertificate, ClientCertificate.Fingerprint, server);
        using var clientTransport = new BcDtlsTransport(ClientCertificate, ServerCertificate.Fingerprint, client);
        serverTransport.Start(DtlsRole.Server);
        for (var i = 0; i < 30; i++)
        {
            // RFC 6347 §4.1.2.7: records that do not parse are silently discarded.
            var record = random.Next(2) == 0 ? hello.AsSpan(0, random.Next(1, 13)).ToArray() : new byte[random.Next(1, 13)];
            serverTransport.HandleDatagram(record);
        }

        client.Peer = serverTransport;
        server.Peer = clientTransport;
        clientTransport.Start(DtlsRole.Client);
        await server.Connected.Task.WaitAsync(Timeout);
    }

    private sealed class Relay : IDtlsTransportHandler
    {
        private readonly OrderedWire _wire;

        public Relay() => _wire = new OrderedWire(() => Peer);

        public IDtlsTransport? Peer { get; set; }

        public Func<byte[], byte[]>? Mutate { get; set; }

        public TaskCompletionSource Connected { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<string?> Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private readonly TaskCompletionSource _sentEnough = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _sent;
        private int _enough = int.MaxValue;

        /// <summary>Completes once <paramref name="count"/> datagrams have been sent.</summary>
        public Task Sent(int count)
        {
            Volatile.Write(ref _enough, count);
            if (Volatile.Read(ref _sent) >= count)
            {
                _sentEnough.TrySetResult();
            }

            return _sentEnough.Task;
        }

        public void OnDtlsTransmit(ReadOnlySpan<byte> datagram)
        {
            if (Interlocked.Increment(ref _sent) >= Volatile.Read(ref _enough))
            {
                _sentEnough.TrySetResult();
            }

            _wire.Send(Mutate is { } mutate ? mutate(datagram.ToArray()) : datagram.ToArray());
        }

        public void OnDtlsConnected(DtlsSrtpKeys keys) => Connected.TrySetResult();

        public void OnDtlsApplicationData(ReadOnlySpan<byte> data)
        {
        }

        public void OnDtlsClosed(string? error) => Closed.TrySetResult(error);
    }
}
