namespace EmsSharp.Media.H264;

/// <summary>H.264 nal_unit_type values (ITU-T H.264 Table 7-1) that the server cares about.</summary>
public enum NalUnitType : byte
{
    /// <summary>Coded slice of a non-IDR picture.</summary>
    Slice = 1,
    /// <summary>Coded slice data partition A.</summary>
    SliceDataPartitionA = 2,
    /// <summary>Coded slice of an IDR picture.</summary>
    IdrSlice = 5,
    /// <summary>Supplemental enhancement information.</summary>
    Sei = 6,
    /// <summary>Sequence parameter set.</summary>
    Sps = 7,
    /// <summary>Picture parameter set.</summary>
    Pps = 8,
    /// <summary>Access unit delimiter.</summary>
    AccessUnitDelimiter = 9,
    /// <summary>End of sequence.</summary>
    EndOfSequence = 10,
    /// <summary>End of stream.</summary>
    EndOfStream = 11,
    /// <summary>Filler data.</summary>
    Filler = 12,
    /// <summary>Sequence parameter set extension.</summary>
    SpsExtension = 13,
    /// <summary>STAP-A aggregation packet (RFC 6184 §5.7.1), never in an elementary stream.</summary>
    StapA = 24,
    /// <summary>FU-A fragmentation unit (RFC 6184 §5.8), never in an elementary stream.</summary>
    FuA = 28,
}
