using EmsSharp.Rendezvous.Configuration;

namespace EmsSharp.Rendezvous.SocketIo;

/// <summary>
/// Bytes waiting in one socket's outbox, in all and per relaying sender (ours). A sender whose messages to
/// this socket already hold <see cref="ErsLimitsOptions.MaxQueuedBytesPerSender"/> is refused, and relayed
/// traffic as a whole may fill only three quarters of <see cref="ErsLimitsOptions.MaxQueuedBytes"/>: so a
/// flooder loses its own messages, and the server's frames to the socket (acks, heartbeats, joins) always
/// fit unless the socket itself stops reading. Not thread-safe: the connection holds a lock.
/// </summary>
internal sealed class OutboxBudget(ErsLimitsOptions limits)
{
    private readonly Dictionary<string, long> _perSender = new(StringComparer.Ordinal);

    /// <summary>Bytes queued now.</summary>
    public long QueuedBytes { get; private set; }

    /// <summary>Senders with bytes queued now (each entry goes once its bytes are sent).</summary>
    public int SenderCount => _perSender.Count;

    /// <summary>What a queued frame costs: the UTF-16 text it is held as.</summary>
    public static long Cost(string text) => (long)text.Length * sizeof(char);

    /// <summary>Admits <paramref name="bytes"/> from <paramref name="sender"/> (null: the server's own frame) or says why not.</summary>
    public OutboxAdmission Admit(string? sender, long bytes)
    {
        if (sender is null)
        {
            if (QueuedBytes + bytes > limits.MaxQueuedBytes)
            {
                return OutboxAdmission.Full;
            }
        }
        else
        {
            long queued = _perSender.GetValueOrDefault(sender);
            if (queued + bytes > limits.MaxQueuedBytesPerSender)
            {
                return OutboxAdmission.SenderOverBudget;
            }

            if (QueuedBytes + bytes > limits.MaxQueuedBytes - (limits.MaxQueuedBytes / 4))
            {
                return OutboxAdmission.ReceiverBusy;
            }

            _perSender[sender] = queued + bytes;
        }

        QueuedBytes += bytes;
        return OutboxAdmission.Accepted;
    }

    /// <summary>Gives back what an admitted frame cost, once it is sent (or dropped at close).</summary>
    public void Release(string? sender, long bytes)
    {
        QueuedBytes -= bytes;
        if (sender is not null)
        {
            long left = _perSender[sender] - bytes;
            if (left == 0)
            {
                _perSender.Remove(sender);
            }
            else
            {
                _perSender[sender] = left;
            }
        }
    }
}
