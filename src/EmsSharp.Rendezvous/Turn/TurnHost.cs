using System.Collections.Concurrent;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using EmsSharp.Protocols.Turn;
using EmsSharp.Rendezvous.Configuration;

namespace EmsSharp.Rendezvous.Turn;

/// <summary>
/// The driver of the sans-IO <see cref="TurnServer"/>: a UDP and a TCP listener on one port, a TLS
/// listener when a certificate is given, one UDP socket per allocation in the relay port range, and a
/// 1-second timer. Every input goes through one channel to one loop that owns the core (ARCHITECTURE §2.3).
/// </summary>
internal sealed class TurnHost : IRelayPortAllocator, IAsyncDisposable
{
    private const int InboxCapacity = 8192;
    private const int MaxDatagram = 65536;
    private const int RelayBindAttempts = 64;

    private readonly ErsTurnOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly long _origin;
    private readonly TurnServer _core;
    private readonly IPAddress _bindAddress;
    private readonly IPAddress? _external;
    private readonly Channel<Input> _inbox = Channel.CreateBounded<Input>(new BoundedChannelOptions(InboxCapacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.DropWrite,
    });

    private readonly CancellationTokenSource _stopping = new();
    private readonly Dictionary<IPEndPoint, Socket> _relays = [];

    // Written by the loop only; read by other threads (the metrics).
    private long _relayedBytes;
    private int _allocations;
    private readonly ConcurrentDictionary<TurnFiveTuple, TurnStreamConnection> _streams = new();
    private readonly List<Task> _tasks = [];
    private Socket? _udp;
    private TurnStreamListener? _tcp;
    private TurnStreamListener? _tls;
    private ITimer? _timer;
    private long _droppedInbound;

    public TurnHost(ErsTurnOptions options, string serverBindIP, ITurnCredentialStore credentials, TimeProvider time, ILogger logger)
    {
        _options = options;
        _time = time;
        _logger = logger;
        _origin = time.GetTimestamp();
        _bindAddress = IPAddress.Parse(options.BindIP ?? serverBindIP);
        _external = options.ExternalAddress is null ? null : IPAddress.Parse(options.ExternalAddress);
        TurnServerOptions core = new()
        {
            Realm = options.Realm,
            DefaultLifetime = TimeSpan.FromSeconds(options.DefaultLifetimeSeconds),
            MaxLifetime = TimeSpan.FromSeconds(options.MaxLifetimeSeconds),
            MaxAllocationsPerUser = options.MaxAllocationsPerUser,
            MaxAllocationsPerIp = options.MaxAllocationsPerIp,
            MaxAllocations = options.MaxAllocations,
            RelayBytesPerSecond = options.RelayBytesPerSecond,
            RelayBurstBytes = Math.Max(options.RelayBytesPerSecond / 2, TurnServer.MaxPayloadLength),
        };
        TurnPeerPolicy policy = new(OwnSubnets(), options.AllowedPeerRanges.Select(IPNetwork.Parse),
            options.DeniedPeerRanges.Select(IPNetwork.Parse));
        _core = new TurnServer(core, credentials, this, policy);
    }

    /// <summary>TURN allocations now.</summary>
    public int AllocationCount => Volatile.Read(ref _allocations);

    /// <summary>Bytes relayed between clients and their peers (both ways, payloads only) since the start.</summary>
    public long RelayedBytes => Volatile.Read(ref _relayedBytes);

    /// <summary>The bound UDP and TCP port.</summary>
    public int Port { get; private set; }

    /// <summary>The bound TLS port, or null without TLS.</summary>
    public int? TlsPort { get; private set; }

    /// <summary>The configured public address, when the ERS is behind a 1:1 NAT.</summary>
    public IPAddress? ExternalAddress => _external;

    private TimeSpan Now => _time.GetElapsedTime(_origin);

    /// <summary>Binds the listeners and starts the loop.</summary>
    public void Start(X509Certificate2? certificate)
    {
        (_udp, _tcp) = BindUdpAndTcp();
        Port = ((IPEndPoint)_udp.LocalEndPoint!).Port;
        if (certificate is not null)
        {
            _tls = TurnStreamListener.Bind(this, TurnTransport.Tls, new IPEndPoint(_bindAddress, _options.TlsPort), certificate, _options, _time);
            TlsPort = _tls.Port;
        }

        CancellationToken token = _stopping.Token;
        _tasks.Add(LoopAsync(token));
        _tasks.Add(ReceiveClientsAsync(_udp, token));
        _tasks.Add(_tcp.AcceptLoopAsync(token));
        if (_tls is not null)
        {
            _tasks.Add(_tls.AcceptLoopAsync(token));
        }

        _timer = _time.CreateTimer(_ => Post(new Input(InputKind.Tick, default, null, null, null)), null,
            TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        TurnLog.Started(_logger, $"{_bindAddress}:{Port}", TlsPort is { } tls ? $"{_bindAddress}:{tls}" : "off",
            $"{_options.RelayPortMin}-{_options.RelayPortMax}");
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_timer is not null)
        {
            await _timer.DisposeAsync().ConfigureAwait(false);
        }

        _udp?.Dispose();
        _tcp?.Dispose();
        _tls?.Dispose();
        _inbox.Writer.TryComplete();
        foreach (TurnStreamConnection stream in _streams.Values)
        {
            stream.Abort();
        }

        await Task.WhenAll(_tasks).ConfigureAwait(false);
        foreach (Socket relay in _relays.Values)
        {
            relay.Dispose();
        }

        _relays.Clear();
        _stopping.Dispose();
    }

    IPEndPoint? IRelayPortAllocator.TryAllocate(TurnFiveTuple client, AddressFamily family, bool evenPort)
    {
        // RFC 8656 §7.2: the relayed address is one the client can be told about: the configured public
        // address, else the local address it reached us on.
        IPAddress advertised = _external ?? Unmapped(client.Server.Address);
        if (advertised.AddressFamily != family)
        {
            return null;
        }

        IPAddress bind = _bindAddress.AddressFamily == family && !_bindAddress.Equals(IPAddress.Any) && !_bindAddress.Equals(IPAddress.IPv6Any)
            ? _bindAddress
            : family == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any;
        int span = _options.RelayPortMax - _options.RelayPortMin + 1;
        for (int attempt = 0; attempt < Math.Min(span, RelayBindAttempts); attempt++)
        {
            int port = _options.RelayPortMin + Random.Shared.Next(span);
            if (evenPort && (port & 1) != 0)
            {
                port = port == _options.RelayPortMin ? port + 1 : port - 1;
                if ((port & 1) != 0 || port > _options.RelayPortMax)
                {
                    continue;
                }
            }

            Socket socket = new(family, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                socket.Bind(new IPEndPoint(bind, port));
            }
            catch (SocketException)
            {
                socket.Dispose();
                continue;
            }

            IPEndPoint relay = new(advertised, port);
            _relays[relay] = socket;
            _ = ReceiveRelayAsync(socket, relay, _stopping.Token); // ends when the socket is released or the host stops
            return relay;
        }

        TurnLog.NoRelayPort(_logger, client.Client.ToString());
        return null;
    }

    void IRelayPortAllocator.Release(IPEndPoint relay)
    {
        if (_relays.Remove(relay, out Socket? socket))
        {
            socket.Dispose();
        }
    }

    internal void Post(Input input)
    {
        if (!_inbox.Writer.TryWrite(input) && input.Kind != InputKind.Tick)
        {
            Interlocked.Increment(ref _droppedInbound);
        }
    }

    internal bool Register(TurnStreamConnection connection) => _streams.TryAdd(connection.Tuple, connection);

    internal void Unregister(TurnStreamConnection connection)
    {
        _streams.TryRemove(connection.Tuple, out _);
        Post(new Input(InputKind.Closed, connection.Tuple, null, null, null));
    }

    private (Socket Udp, TurnStreamListener Tcp) BindUdpAndTcp()
    {
        // One port number for both: with port 0 the TCP listener takes the UDP socket's free port, retried
        // a few times in case that number is taken for TCP.
        for (int attempt = 0; ; attempt++)
        {
            Socket udp = new(_bindAddress.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                udp.Bind(new IPEndPoint(_bindAddress, _options.Port));
                udp.SetSocketOption(_bindAddress.AddressFamily == AddressFamily.InterNetwork ? SocketOptionLevel.IP : SocketOptionLevel.IPv6,
                    SocketOptionName.PacketInformation, true);
                int port = ((IPEndPoint)udp.LocalEndPoint!).Port;
                return (udp, TurnStreamListener.Bind(this, TurnTransport.Tcp, new IPEndPoint(_bindAddress, port), null, _options, _time));
            }
            catch (SocketException) when (_options.Port == 0 && attempt < 10)
            {
                udp.Dispose();
            }
            catch
            {
                udp.Dispose();
                throw;
            }
        }
    }

    private async Task ReceiveClientsAsync(Socket udp, CancellationToken token)
    {
        byte[] buffer = new byte[MaxDatagram];
        EndPoint any = new IPEndPoint(_bindAddress.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0);
        bool wildcard = _bindAddress.Equals(IPAddress.Any) || _bindAddress.Equals(IPAddress.IPv6Any);
        while (!token.IsCancellationRequested)
        {
            try
            {
                SocketReceiveMessageFromResult result = await udp.ReceiveMessageFromAsync(buffer, SocketFlags.None, any, token).ConfigureAwait(false);
                // The local address the client reached: from the packet information when bound to a wildcard.
                IPAddress local = wildcard ? result.PacketInformation.Address : _bindAddress;
                TurnFiveTuple tuple = new(TurnTransport.Udp, Unmapped((IPEndPoint)result.RemoteEndPoint), new IPEndPoint(Unmapped(local), Port));
                Post(new Input(InputKind.Client, tuple, null, null, buffer.AsSpan(0, result.ReceivedBytes).ToArray()));
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                // e.g. an ICMP port unreachable reported on the socket: keep receiving.
            }
        }
    }

    private async Task ReceiveRelayAsync(Socket socket, IPEndPoint relay, CancellationToken token)
    {
        byte[] buffer = new byte[MaxDatagram];
        EndPoint any = new IPEndPoint(socket.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0);
        while (!token.IsCancellationRequested)
        {
            try
            {
                SocketReceiveFromResult result = await socket.ReceiveFromAsync(buffer, SocketFlags.None, any, token).ConfigureAwait(false);
                Post(new Input(InputKind.Relay, default, relay, Unmapped((IPEndPoint)result.RemoteEndPoint),
                    buffer.AsSpan(0, result.ReceivedBytes).ToArray()));
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return; // released
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.OperationAborted)
            {
                return;
            }
            catch (SocketException)
            {
            }
        }
    }

    private async Task LoopAsync(CancellationToken token)
    {
        try
        {
            await foreach (Input input in _inbox.Reader.ReadAllAsync(token).ConfigureAwait(false))
            {
                TimeSpan now = Now;
                switch (input.Kind)
                {
                    case InputKind.Client:
                        _core.HandleInbound(input.Data, input.Client, now);
                        break;
                    case InputKind.Relay:
                        Volatile.Write(ref _relayedBytes, _relayedBytes + input.Data!.Length);
                        _core.HandleRelayInbound(input.Relay!, input.Peer!, input.Data, now);
                        break;
                    case InputKind.Closed:
                        _core.HandleClientClosed(input.Client);
                        break;
                    case InputKind.Tick:
                        _core.HandleTimeout(now);
                        break;
                }

                Volatile.Write(ref _allocations, _core.AllocationCount); // before the answers go: a client that got one sees it
                Drain();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Drain()
    {
        while (_core.TryPollTransmit(out TurnTransmit transmit))
        {
            try
            {
                if (transmit.IsToPeer)
                {
                    if (_relays.TryGetValue(transmit.Relay!, out Socket? relay))
                    {
                        relay.SendTo(transmit.Payload.Span, SocketFlags.None, transmit.Peer!);
                        Volatile.Write(ref _relayedBytes, _relayedBytes + transmit.Payload.Length);
                    }
                }
                else if (transmit.Client.Transport == TurnTransport.Udp)
                {
                    _udp!.SendTo(transmit.Payload.Span, SocketFlags.None, transmit.Client.Client);
                }
                else if (_streams.TryGetValue(transmit.Client, out TurnStreamConnection? stream))
                {
                    stream.Enqueue(transmit.Payload);
                }
            }
            catch (SocketException e)
            {
                TurnLog.SendFailed(_logger, e.SocketErrorCode.ToString());
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    internal static IPEndPoint Unmapped(IPEndPoint endPoint) =>
        endPoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port) : endPoint;

    private static IPAddress Unmapped(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    /// <summary>The subnets of this machine's interfaces: private peers there may be relayed to (RFC 8656 §21.2.3 is about the others).</summary>
    private static List<IPNetwork> OwnSubnets()
    {
        List<IPNetwork> subnets = [];
        foreach (NetworkInterface nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            if (nic.OperationalStatus != OperationalStatus.Up || nic.NetworkInterfaceType == NetworkInterfaceType.Loopback)
            {
                continue;
            }

            foreach (UnicastIPAddressInformation address in nic.GetIPProperties().UnicastAddresses)
            {
                if (address.PrefixLength > 0 && !address.Address.IsIPv6LinkLocal)
                {
                    subnets.Add(new IPNetwork(Mask(address.Address, address.PrefixLength), address.PrefixLength));
                }
            }
        }

        return subnets;
    }

    private static IPAddress Mask(IPAddress address, int prefixLength)
    {
        byte[] bytes = address.GetAddressBytes();
        for (int i = 0; i < bytes.Length; i++)
        {
            int bits = Math.Clamp(prefixLength - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - bits));
        }

        return new IPAddress(bytes);
    }

    internal enum InputKind
    {
        Client,
        Relay,
        Closed,
        Tick,
    }

    internal readonly record struct Input(InputKind Kind, TurnFiveTuple Client, IPEndPoint? Relay, IPEndPoint? Peer, byte[]? Data);
}
