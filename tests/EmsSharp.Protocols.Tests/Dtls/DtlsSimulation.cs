using EmsSharp.Protocols.Dtls;

namespace EmsSharp.Protocols.Tests.Dtls;

/// <summary>
/// Two <see cref="DtlsEndpoint"/>s over an in-memory network in simulated time: nothing sleeps, the clock jumps to
/// the next delivery or timer. Every datagram sent is logged with its time; <see cref="Drops"/> decides losses from
/// the datagram (which handshake message, which copy) or a seeded random source, never from wall-clock timing.
/// </summary>
internal sealed class DtlsSimulation : IDisposable
{
    private readonly List<(TimeSpan At, long Order, bool ToServer, byte[] Datagram)> _inFlight = [];
    private readonly Dictionary<(bool, HandshakeDatagram), int> _copies = [];
    private long _order;

    public DtlsSimulation(DtlsEndpointOptions? clientOptions = null, DtlsEndpointOptions? serverOptions = null,
        DtlsCertificate? clientCertificate = null, DtlsCertificate? serverCertificate = null, string? serverExpects = null)
    {
        ClientCertificate = clientCertificate ?? DtlsCertificate.Generate();
        ServerCertificate = serverCertificate ?? DtlsCertificate.Generate();
        Client = new DtlsEndpoint(DtlsRole.Client, ClientCertificate, ServerCertificate.Fingerprint, clientOptions);
        Server = new DtlsEndpoint(DtlsRole.Server, ServerCertificate, serverExpects ?? ClientCertificate.Fingerprint, serverOptions);
    }

    public DtlsCertificate ClientCertificate { get; }

    public DtlsCertificate ServerCertificate { get; }

    public DtlsEndpoint Client { get; }

    public DtlsEndpoint Server { get; }

    public TimeSpan Now { get; private set; }

    /// <summary>One-way delay of every datagram.</summary>
    public TimeSpan Latency { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Extra delay of a datagram (reordering), by its sender and index.</summary>
    public Func<bool, int, TimeSpan>? Jitter { get; init; }

    /// <summary>Whether to lose a datagram: sent by the client?, its first record's identity (if a handshake one), which copy of it.</summary>
    public Func<bool, HandshakeDatagram?, int, bool> Drops { get; set; } = static (_, _, _) => false;

    /// <summary>Every datagram delivered twice.</summary>
    public bool Duplicates { get; init; }

    /// <summary>Everything sent: time, by the client?, the datagram, whether it was lost.</summary>
    public List<(TimeSpan At, bool FromClient, byte[] Datagram, bool Lost)> Sent { get; } = [];

    public List<DtlsEvent> ClientEvents { get; } = [];

    public List<DtlsEvent> ServerEvents { get; } = [];

    public List<byte[]> ClientReceived { get; } = [];

    public List<byte[]> ServerReceived { get; } = [];

    public DtlsSrtpKeys? ClientKeys => ClientEvents.FirstOrDefault(e => e.Kind == DtlsEventKind.Connected).Keys;

    public DtlsSrtpKeys? ServerKeys => ServerEvents.FirstOrDefault(e => e.Kind == DtlsEventKind.Connected).Keys;

    public string? ClientClosed => ClosedReason(ClientEvents);

    public string? ServerClosed => ClosedReason(ServerEvents);

    public bool BothConnected => Client.IsConnected && Server.IsConnected;

    public void Start()
    {
        Server.Start(Now);
        Client.Start(Now);
        Pump();
    }

    /// <summary>Runs until <paramref name="done"/> holds, nothing is left to happen, or the clock passes <paramref name="limit"/>.</summary>
    public void RunUntil(Func<bool> done, TimeSpan limit)
    {
        Pump();
        while (!done())
        {
            TimeSpan? next = null;
            foreach (var f in _inFlight)
            {
                next = next is null || f.At < next ? f.At : next;
            }

            foreach (var t in new[] { Client.NextTimeout, Server.NextTimeout })
            {
                if (t is { } v && (next is null || v < next))
                {
                    next = v;
                }
            }

            if (next is null || next > limit)
            {
                return;
            }

            Now = next.Value > Now ? next.Value : Now;
            var due = _inFlight.Where(f => f.At <= Now).OrderBy(f => f.At).ThenBy(f => f.Order).ToList();
            _inFlight.RemoveAll(f => f.At <= Now);
            foreach (var d in due)
            {
                (d.ToServer ? Server : Client).HandleInbound(d.Datagram, Now);
                Pump();
            }

            if (Client.NextTimeout <= Now)
            {
                Client.HandleTimeout(Now);
            }

            if (Server.NextTimeout <= Now)
            {
                Server.HandleTimeout(Now);
            }

            Pump();
        }
    }

    /// <summary>Hands a datagram to one side now, as if it had arrived.</summary>
    public void Inject(bool toServer, ReadOnlySpan<byte> datagram)
    {
        (toServer ? Server : Client).HandleInbound(datagram, Now);
        Pump();
    }

    /// <summary>Collects both sides' output: events, and datagrams put on the wire (or lost).</summary>
    public void Pump()
    {
        var buffer = new byte[65536];
        var indexes = new Dictionary<bool, int>();
        foreach (var (endpoint, fromClient) in new[] { (Client, true), (Server, false) })
        {
            while (endpoint.TryPollTransmit(buffer, out var length))
            {
                var datagram = buffer.AsSpan(0, length).ToArray();
                HandshakeDatagram? key = HandshakeDatagram.TryRead(datagram, out var k) ? k : null;
                var copy = 0;
                if (key is { } kk)
                {
                    copy = _copies.GetValueOrDefault((fromClient, kk));
                    _copies[(fromClient, kk)] = copy + 1;
                }

                var lost = Drops(fromClient, key, copy);
                Sent.Add((Now, fromClient, datagram, lost));
                if (lost)
                {
                    continue;
                }

                var index = indexes.GetValueOrDefault(fromClient);
                indexes[fromClient] = index + 1;
                var at = Now + Latency + (Jitter?.Invoke(fromClient, Sent.Count) ?? TimeSpan.Zero);
                _inFlight.Add((at, _order++, fromClient, datagram));
                if (Duplicates)
                {
                    _inFlight.Add((at, _order++, fromClient, datagram));
                }
            }

            var events = fromClient ? ClientEvents : ServerEvents;
            var received = fromClient ? ClientReceived : ServerReceived;
            while (endpoint.TryPollEvent(out var ev))
            {
                events.Add(ev);
                if (ev.Kind == DtlsEventKind.ApplicationData)
                {
                    received.Add(ev.Data.ToArray());
                }
            }
        }
    }

    /// <summary>Send times of the datagrams a side sent whose first record is the given handshake message (every copy).</summary>
    public List<TimeSpan> TimesOf(bool fromClient, string name) =>
        [.. Sent.Where(s => s.FromClient == fromClient && HandshakeDatagram.TryRead(s.Datagram, out var k) && k.Name == name).Select(s => s.At)];

    public void Dispose()
    {
        Client.Dispose();
        Server.Dispose();
    }

    private static string? ClosedReason(List<DtlsEvent> events) =>
        events.Where(e => e.Kind == DtlsEventKind.Closed).Select(e => e.Reason ?? "(clean)").FirstOrDefault();
}
