using System.Buffers.Binary;

namespace EmsSharp.Media.Ts;

/// <summary>
/// The program-specific information of a single-program transport stream (ISO/IEC 13818-1 §2.4.4): the PAT on PID 0
/// naming the PMT's PID, and the PMT listing the elementary streams and the PCR PID. Each is one section in one packet
/// (pointer_field 0, the rest stuffed with 0xFF, §2.4.4.2), built once; <see cref="TsPacketWriter"/> stamps the
/// continuity counter each time one is sent.
/// </summary>
public static class TsProgramTables
{
    /// <summary>The PID of the PAT (§2.4.4.3, Table 2-3).</summary>
    public const int PatPid = 0x0000;

    /// <summary>transport_stream_id and program_number of the one program (any value; ffmpeg uses 1 too).</summary>
    public const int ProgramNumber = 1;

    /// <summary>The PAT section (§2.4.4.3, Table 2-30) in a packet of its own.</summary>
    public static byte[] Pat(int pmtPid)
    {
        Span<byte> section = stackalloc byte[12];
        WriteSectionHeader(section, 0x00, section.Length + 4, ProgramNumber);
        BinaryPrimitives.WriteUInt16BigEndian(section[8..], ProgramNumber);
        BinaryPrimitives.WriteUInt16BigEndian(section[10..], (ushort)(0xE000 | pmtPid)); // reserved '111', program_map_PID
        return Packet(PatPid, section);
    }

    /// <summary>The PMT section (§2.4.4.8, Table 2-33) of <paramref name="streams"/>, with no descriptors.</summary>
    public static byte[] Pmt(int pmtPid, int pcrPid, ReadOnlySpan<(byte StreamType, int Pid)> streams)
    {
        Span<byte> section = stackalloc byte[12 + (5 * streams.Length)];
        WriteSectionHeader(section, 0x02, section.Length + 4, ProgramNumber);
        BinaryPrimitives.WriteUInt16BigEndian(section[8..], (ushort)(0xE000 | pcrPid)); // reserved '111', PCR_PID
        BinaryPrimitives.WriteUInt16BigEndian(section[10..], 0xF000); // reserved '1111', program_info_length 0
        var at = 12;
        foreach (var (streamType, pid) in streams)
        {
            section[at] = streamType;
            BinaryPrimitives.WriteUInt16BigEndian(section[(at + 1)..], (ushort)(0xE000 | pid)); // elementary_PID
            BinaryPrimitives.WriteUInt16BigEndian(section[(at + 3)..], 0xF000); // ES_info_length 0
            at += 5;
        }

        return Packet(pmtPid, section);
    }

    // table_id, section_syntax_indicator 1, '0', reserved '11', section_length (from the next byte to the CRC's end),
    // the table's id extension, reserved '11', version_number 0, current_next_indicator 1, section_number 0,
    // last_section_number 0.
    private static void WriteSectionHeader(Span<byte> section, byte tableId, int totalLength, int idExtension)
    {
        section[0] = tableId;
        BinaryPrimitives.WriteUInt16BigEndian(section[1..], (ushort)(0xB000 | (totalLength - 3)));
        BinaryPrimitives.WriteUInt16BigEndian(section[3..], (ushort)idExtension);
        section[5] = 0xC1;
        section[6] = 0;
        section[7] = 0;
    }

    // §2.4.3.2: a packet with payload_unit_start_indicator set, payload only, pointer_field 0, the section and its
    // CRC_32 (§2.4.4.11), then 0xFF stuffing (§2.4.4: bytes after a section's end up to the packet's end).
    private static byte[] Packet(int pid, ReadOnlySpan<byte> section)
    {
        var packet = new byte[TsPacketWriter.PacketSize];
        packet.AsSpan().Fill(0xFF);
        TsPacketWriter.WriteHeader(packet, pid, payloadUnitStart: true, hasAdaptationField: false, continuityCounter: 0);
        packet[4] = 0; // pointer_field
        section.CopyTo(packet.AsSpan(5));
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(5 + section.Length), Crc32Mpeg2.Compute(section));
        return packet;
    }
}
