namespace EmsSharp.Protocols.Sctp;

/// <summary>An event from <see cref="SctpAssociation.TryPollEvent"/>; which members are set depends on <see cref="Kind"/>.</summary>
public readonly struct SctpEvent
{
    private SctpEvent(SctpEventKind kind, ushort streamId, uint ppid, bool unordered, byte[]? data, ushort[]? streams, string? reason)
    {
        Kind = kind;
        StreamId = streamId;
        Ppid = ppid;
        Unordered = unordered;
        Data = data;
        Streams = streams;
        Reason = reason;
    }

    /// <summary>The kind of event.</summary>
    public SctpEventKind Kind { get; }

    /// <summary>Stream of a message or of a buffered-amount signal.</summary>
    public ushort StreamId { get; }

    /// <summary>Payload Protocol Identifier of a received message.</summary>
    public uint Ppid { get; }

    /// <summary>Whether a received message was sent unordered.</summary>
    public bool Unordered { get; }

    /// <summary>The payload of a received message (owned by the receiver of the event).</summary>
    public byte[]? Data { get; }

    /// <summary>The streams of a stream-reset event.</summary>
    public ushort[]? Streams { get; }

    /// <summary>Why the association was aborted or closed.</summary>
    public string? Reason { get; }

    internal static SctpEvent Simple(SctpEventKind kind, string? reason = null) => new(kind, 0, 0, false, null, null, reason);

    internal static SctpEvent Message(ushort streamId, uint ppid, bool unordered, byte[] data) =>
        new(SctpEventKind.MessageReceived, streamId, ppid, unordered, data, null, null);

    internal static SctpEvent StreamsEvent(SctpEventKind kind, ushort[] streams) => new(kind, 0, 0, false, null, streams, null);

    internal static SctpEvent BufferedLow(ushort streamId) => new(SctpEventKind.BufferedAmountLow, streamId, 0, false, null, null, null);
}
