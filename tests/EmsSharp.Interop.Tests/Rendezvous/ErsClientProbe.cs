using System.Threading.Channels;
using EmsSharp.Server.Delivery.Ers;

namespace EmsSharp.Interop.Tests.Rendezvous;

/// <summary>Collects an <see cref="ErsClient"/>'s events into channels tests can wait on.</summary>
internal sealed class ErsClientProbe
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public ErsClientProbe(ErsClient client)
    {
        client.StatusChanged += (_, e) => Statuses.Writer.TryWrite(e);
        client.ClientJoined += (_, e) => Joins.Writer.TryWrite(e);
        client.MessageReceived += (_, e) => Messages.Writer.TryWrite(e);
        client.PeerRemoved += (_, e) => Removes.Writer.TryWrite(e);
    }

    public Channel<ErsStatusChangedEventArgs> Statuses { get; } = Channel.CreateUnbounded<ErsStatusChangedEventArgs>();

    public Channel<ErsClientJoinedEventArgs> Joins { get; } = Channel.CreateUnbounded<ErsClientJoinedEventArgs>();

    public Channel<ErsMessageEventArgs> Messages { get; } = Channel.CreateUnbounded<ErsMessageEventArgs>();

    public Channel<ErsPeerRemovedEventArgs> Removes { get; } = Channel.CreateUnbounded<ErsPeerRemovedEventArgs>();

    public static async Task<T> NextAsync<T>(Channel<T> channel, TimeSpan? timeout = null)
    {
        using CancellationTokenSource cts = new(timeout ?? Timeout);
        return await channel.Reader.ReadAsync(cts.Token);
    }

    /// <summary>Waits until a status equal to <paramref name="status"/> arrives; returns it.</summary>
    public async Task<ErsStatusChangedEventArgs> WaitStatusAsync(ErsClientStatus status, TimeSpan? timeout = null)
    {
        using CancellationTokenSource cts = new(timeout ?? Timeout);
        while (true)
        {
            ErsStatusChangedEventArgs e = await Statuses.Reader.ReadAsync(cts.Token);
            if (e.Status == status)
            {
                return e;
            }
        }
    }
}
