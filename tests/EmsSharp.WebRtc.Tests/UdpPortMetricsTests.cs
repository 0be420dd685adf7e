using System.Diagnostics.Metrics;
using System.Net;
using EmsSharp.Protocols.Dtls;

namespace EmsSharp.WebRtc.Tests;

/// <summary>The port's worker and send counters, read as a metrics exporter reads them.</summary>
public sealed class UdpPortMetricsTests
{
    [Fact]
    public async Task Worker_and_send_instruments_report_this_port()
    {
        await using var port = UdpPortDriver.Start(new UdpPortDriverOptions { BindAddress = IPAddress.Loopback, Workers = 2 });
        await using var first = port.CreateSession(new PeerSessionOptions { Certificate = DtlsCertificate.Generate() });
        await using var second = port.CreateSession(new PeerSessionOptions { Certificate = DtlsCertificate.Generate() });
        port.SendBatch(new byte[200], [100, 100], port.LocalEndPoint);
        port.Send(new byte[10], port.LocalEndPoint);

        var sessions = new Dictionary<int, long>();
        long datagrams = 0, calls = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, port.Meter))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            switch (instrument.Name)
            {
                case "ems.webrtc.worker.sessions":
                    sessions[(int)tags[0].Value!] = value;
                    break;
                case "ems.webrtc.udp.datagrams_sent":
                    datagrams = value;
                    break;
                case "ems.webrtc.udp.send_calls":
                    calls = value;
                    break;
            }
        });
        listener.Start();
        listener.RecordObservableInstruments();

        // One session on each worker: the pool gives a new session to the worker with the fewest.
        Assert.Equal(new Dictionary<int, long> { [0] = 1, [1] = 1 }, sessions);
        Assert.Equal(3, datagrams);
        Assert.InRange(calls, 2, 3); // one call for the batch where sendmmsg exists, plus the sendto
        Assert.Equal(port.SendStats.SystemCalls, calls);
    }
}
