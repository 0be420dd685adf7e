namespace EmsSharp.Protocols.DataChannels;

/// <summary>DCEP Channel Type values, RFC 8832 §5.1 (0x80 = unordered).</summary>
public enum DataChannelType : byte
{
    /// <summary>DATA_CHANNEL_RELIABLE.</summary>
    Reliable = 0x00,
    /// <summary>DATA_CHANNEL_PARTIAL_RELIABLE_REXMIT.</summary>
    PartialReliableRexmit = 0x01,
    /// <summary>DATA_CHANNEL_PARTIAL_RELIABLE_TIMED.</summary>
    PartialReliableTimed = 0x02,
    /// <summary>DATA_CHANNEL_RELIABLE_UNORDERED.</summary>
    ReliableUnordered = 0x80,
    /// <summary>DATA_CHANNEL_PARTIAL_RELIABLE_REXMIT_UNORDERED.</summary>
    PartialReliableRexmitUnordered = 0x81,
    /// <summary>DATA_CHANNEL_PARTIAL_RELIABLE_TIMED_UNORDERED.</summary>
    PartialReliableTimedUnordered = 0x82,
}
