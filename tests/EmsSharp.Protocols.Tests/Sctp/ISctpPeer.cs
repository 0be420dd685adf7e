using EmsSharp.Protocols.DataChannels;
using EmsSharp.Protocols.Sctp;

namespace EmsSharp.Protocols.Tests.Sctp;

/// <summary>What the simulated network drives: an association or a data channel manager.</summary>
internal interface ISctpPeer
{
    bool HandleInbound(ReadOnlySpan<byte> packet, TimeSpan now);

    void HandleTimeout(TimeSpan now);

    bool TryPollTransmit(Span<byte> buffer, TimeSpan now, out int length);

    TimeSpan? NextTimeout { get; }
}

internal sealed class AssociationPeer(SctpAssociation association) : ISctpPeer
{
    public SctpAssociation Association { get; } = association;

    public TimeSpan? NextTimeout => Association.NextTimeout;

    public bool HandleInbound(ReadOnlySpan<byte> packet, TimeSpan now) => Association.HandleInbound(packet, now);

    public void HandleTimeout(TimeSpan now) => Association.HandleTimeout(now);

    public bool TryPollTransmit(Span<byte> buffer, TimeSpan now, out int length) => Association.TryPollTransmit(buffer, now, out length);
}

internal sealed class ManagerPeer(DataChannelManager manager) : ISctpPeer
{
    public DataChannelManager Manager { get; } = manager;

    public TimeSpan? NextTimeout => Manager.NextTimeout;

    public bool HandleInbound(ReadOnlySpan<byte> packet, TimeSpan now) => Manager.HandleInbound(packet, now);

    public void HandleTimeout(TimeSpan now) => Manager.HandleTimeout(now);

    public bool TryPollTransmit(Span<byte> buffer, TimeSpan now, out int length) => Manager.TryPollTransmit(buffer, now, out length);
}
