using System.Collections.Concurrent;
using EmsSharp.Server.Delivery.Ers;

namespace EmsSharp.Server.Delivery.WebRtc;

/// <summary>
/// The real <see cref="IErsConnector"/>: each <see cref="WebRtcService"/> gets an <see cref="ErsClient"/> holding
/// its room and a <see cref="WebRtcRoom"/> that serves the browsers joining it, all on the one shared
/// <see cref="WebRtcPort"/>, each reporting the ems's one <see cref="EmsLoadReporter"/> to its ERS.
/// </summary>
internal sealed class ErsConnector(ViewerResources resources, EmsLoadReporter load) : IErsConnector
{
    private readonly ConcurrentDictionary<long, WebRtcRoom> _rooms = new();

    /// <summary>The running rooms, by configId.</summary>
    public IReadOnlyList<WebRtcRoom> GetRooms()
    {
        var rooms = _rooms.Values.ToList();
        rooms.Sort(static (a, b) => a.Configuration.ConfigId.CompareTo(b.Configuration.ConfigId));
        return rooms;
    }

    public IAsyncDisposable Start(WebRtcService service)
    {
        var c = service.Configuration;
        var addresses = c.GetErsAddresses();
        var client = new ErsClient(new ErsClientOptions
        {
            Host = addresses[0].Host,
            Port = addresses[0].Port,
            MoreAddresses = addresses[1..],
            RoomId = c.RoomId,
            Token = c.Token,
            Name = c.Name,
            KeepAlive = c.KeepAlive,
            OverSsl = c.ErsOverSsl,
        }, resources.LoggerFactory.CreateLogger<ErsClient>(), resources.Time);
        var room = new WebRtcRoom(service, client, resources, load);
        _rooms[c.ConfigId] = room;
        resources.Port.WarmUpDtls(); // viewers may come from now on
        // Said before the client runs, so getConfigInfo never shows a stale "not connected" once started.
        service.SetStatus(WebRtcServiceStatusCode.Connecting, $"connecting to ERS {addresses[0]}");
        client.Start();
        return new Handle(this, room);
    }

    private sealed class Handle(ErsConnector owner, WebRtcRoom room) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            owner._rooms.TryRemove(new KeyValuePair<long, WebRtcRoom>(room.Configuration.ConfigId, room));
            await room.DisposeAsync().ConfigureAwait(false);
        }
    }
}
