using System.Diagnostics;
using System.Threading.Channels;
using EmsSharp.Protocols.Dtls;

namespace EmsSharp.Protocols.Tests.Dtls;

/// <summary>
/// A <see cref="DtlsEndpoint"/> driven in real time by a loop of its own, behind <see cref="IDtlsTransport"/>, so it can
/// face a BouncyCastle transport (whose handshake runs on its own thread on the wall clock). The loop waits for the
/// next datagram or the endpoint's next timeout, whichever comes first; it never sleeps.
/// </summary>
internal sealed class RealTimeEndpoint : IDtlsTransport
{
    private readonly Channel<Action> _work = Channel.CreateUnbounded<Action>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly IDtlsTransportHandler _handler;
    private readonly byte[] _buffer = new byte[65536];
    private readonly Task _loop;
    private volatile int _sendLimit;

    public RealTimeEndpoint(DtlsEndpoint endpoint, IDtlsTransportHandler handler)
    {
        Endpoint = endpoint;
        _handler = handler;
        _loop = Task.Run(RunAsync);
    }

    public DtlsEndpoint Endpoint { get; }

    public int SendLimit => _sendLimit;

    public void Start(DtlsRole role) => _work.Writer.TryWrite(() => Endpoint.Start(_clock.Elapsed));

    public bool HandleDatagram(ReadOnlySpan<byte> datagram)
    {
        var copy = datagram.ToArray();
        return _work.Writer.TryWrite(() => Endpoint.HandleInbound(copy, _clock.Elapsed));
    }

    public bool Send(ReadOnlySpan<byte> data)
    {
        if (data.Length > _sendLimit)
        {
            return false;
        }

        var copy = data.ToArray();
        return _work.Writer.TryWrite(() => Endpoint.Send(copy));
    }

    public void Close() => _work.Writer.TryWrite(Endpoint.Close);

    public void Dispose()
    {
        _work.Writer.TryComplete();
        _loop.Wait(TimeSpan.FromSeconds(5));
        Endpoint.Dispose();
    }

    private async Task RunAsync()
    {
        while (true)
        {
            var wait = Endpoint.NextTimeout is { } at ? at - _clock.Elapsed : Timeout.InfiniteTimeSpan;
            if (wait != Timeout.InfiniteTimeSpan && wait < TimeSpan.Zero)
            {
                wait = TimeSpan.Zero;
            }

            using var cts = new CancellationTokenSource(wait);
            try
            {
                if (!await _work.Reader.WaitToReadAsync(cts.Token))
                {
                    return;
                }
            }
            catch (OperationCanceledException)
            {
            }

            while (_work.Reader.TryRead(out var item))
            {
                item();
                Flush();
            }

            if (Endpoint.NextTimeout is { } due && due <= _clock.Elapsed)
            {
                Endpoint.HandleTimeout(_clock.Elapsed);
            }

            Flush();
        }
    }

    private void Flush()
    {
        while (Endpoint.TryPollTransmit(_buffer, out var length))
        {
            _handler.OnDtlsTransmit(_buffer.AsSpan(0, length));
        }

        while (Endpoint.TryPollEvent(out var ev))
        {
            switch (ev.Kind)
            {
                case DtlsEventKind.Connected:
                    _sendLimit = Endpoint.SendLimit;
                    _handler.OnDtlsConnected(ev.Keys!);
                    break;
                case DtlsEventKind.ApplicationData:
                    _handler.OnDtlsApplicationData(ev.Data.Span);
                    break;
                case DtlsEventKind.Closed:
                    _sendLimit = 0;
                    _handler.OnDtlsClosed(ev.Reason);
                    break;
            }
        }
    }
}
