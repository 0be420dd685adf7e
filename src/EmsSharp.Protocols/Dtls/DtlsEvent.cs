namespace EmsSharp.Protocols.Dtls;

/// <summary>What a <see cref="DtlsEvent"/> reports.</summary>
public enum DtlsEventKind
{
    /// <summary>The handshake completed and the peer's fingerprint matched: <see cref="DtlsEvent.Keys"/> is set.</summary>
    Connected,

    /// <summary>A record of application data: <see cref="DtlsEvent.Data"/>.</summary>
    ApplicationData,

    /// <summary>The endpoint closed: <see cref="DtlsEvent.Reason"/> is null for close_notify, else why it failed.</summary>
    Closed,
}

/// <summary>An event from <see cref="DtlsEndpoint.TryPollEvent"/>.</summary>
public readonly struct DtlsEvent
{
    private DtlsEvent(DtlsEventKind kind, DtlsSrtpKeys? keys, ReadOnlyMemory<byte> data, string? reason)
    {
        Kind = kind;
        Keys = keys;
        Data = data;
        Reason = reason;
    }

    /// <summary>The kind of event.</summary>
    public DtlsEventKind Kind { get; }

    /// <summary>The SRTP profile and keying material, for <see cref="DtlsEventKind.Connected"/>.</summary>
    public DtlsSrtpKeys? Keys { get; }

    /// <summary>
    /// Application data, in the endpoint's own buffer: valid until the next <see cref="DtlsEndpoint.HandleInbound"/>
    /// (poll every event after each call).
    /// </summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>Why the endpoint closed; null for a clean close.</summary>
    public string? Reason { get; }

    internal static DtlsEvent ConnectedWith(DtlsSrtpKeys keys) => new(DtlsEventKind.Connected, keys, default, null);

    internal static DtlsEvent Application(ReadOnlyMemory<byte> data) => new(DtlsEventKind.ApplicationData, null, data, null);

    internal static DtlsEvent ClosedWith(string? reason) => new(DtlsEventKind.Closed, null, default, reason);
}
