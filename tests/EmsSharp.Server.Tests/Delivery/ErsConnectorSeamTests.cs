using System.Collections.Concurrent;
using EmsSharp.Server.Delivery;
using Microsoft.Extensions.DependencyInjection;

namespace EmsSharp.Server.Tests.Delivery;

public sealed class ErsConnectorSeamTests : IDisposable
{
    private readonly string _folder = TestEms.NewDataFolder();

    public void Dispose() => TestEms.DeleteFolder(_folder);

    /// <summary>Stands in for the ERS client: records starts and stops, reports a status.</summary>
    private sealed class FakeConnector : IErsConnector
    {
        public ConcurrentQueue<long> Started { get; } = new();

        public ConcurrentQueue<long> Stopped { get; } = new();

        public IAsyncDisposable Start(WebRtcService service)
        {
            Started.Enqueue(service.Configuration.ConfigId);
            service.SetStatus(WebRtcServiceStatusCode.Connected, "joined room " + service.Configuration.RoomId);
            return new Handle(this, service.Configuration.ConfigId);
        }

        private sealed class Handle(FakeConnector owner, long id) : IAsyncDisposable
        {
            public ValueTask DisposeAsync()
            {
                owner.Stopped.Enqueue(id);
                return ValueTask.CompletedTask;
            }
        }
    }

    [Fact]
    public async Task Connector_is_started_on_startWebrtc_and_replay_and_stopped_on_stop_and_shutdown()
    {
        var connector = new FakeConnector();
        long id;
        await using (var ems = await TestEms.StartAsync(_folder, services: s => s.AddSingleton<IErsConnector>(connector)))
        {
            var started = await ems.HttpAsync("startWebrtc?ersip=e&ersport=9&roomid=seam");
            id = started.Data().GetProperty("configId").GetInt64();
            Assert.Equal([id], connector.Started);
            var info = await ems.HttpAsync($"getConfigInfo?id={id}");
            Assert.Equal("joined room seam", info.Data().GetProperty("status").GetProperty("current").GetProperty("description").GetString());
        }

        Assert.Equal([id], connector.Stopped); // shutdown stops the service but keeps its configuration

        await using (var ems = await TestEms.StartAsync(_folder, services: s => s.AddSingleton<IErsConnector>(connector)))
        {
            Assert.Equal([id, id], connector.Started); // replayed at start-up
            Assert.Equal("SUCCESS", (await ems.HttpAsync($"removeConfig?id={id}")).Status());
            Assert.Equal([id, id], connector.Stopped);
        }
    }
}
