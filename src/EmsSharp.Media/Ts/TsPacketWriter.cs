namespace EmsSharp.Media.Ts;

/// <summary>
/// Cuts PES packets and PSI tables into 188-byte transport stream packets (ISO/IEC 13818-1 §2.4.3.2) in a buffer it
/// reuses, keeping each PID's continuity_counter. A PES starts a packet (payload_unit_start_indicator); its first
/// packet carries the PCR and random_access_indicator when asked, and its last packet is filled up by adaptation field
/// stuffing (§2.4.3.5: the only way to pad a PES packet's end in a transport stream).
/// </summary>
public sealed class TsPacketWriter
{
    /// <summary>Bytes of a transport stream packet.</summary>
    public const int PacketSize = 188;

    /// <summary>sync_byte (§2.4.3.3).</summary>
    public const byte SyncByte = 0x47;

    private const int HeaderSize = 4;
    private const int PayloadSize = PacketSize - HeaderSize;
    private readonly byte[] _continuity = new byte[0x2000]; // 13-bit PIDs
    private byte[] _buffer = new byte[64 * PacketSize];
    private int _length;

    /// <summary>The packets written since <see cref="Clear"/>.</summary>
    public ReadOnlySpan<byte> Packets => _buffer.AsSpan(0, _length);

    /// <summary>Starts a new batch of packets (the buffer is reused).</summary>
    public void Clear() => _length = 0;

    /// <summary>
    /// Writes the 4-byte packet header (§2.4.3.2, Table 2-2): sync_byte, transport_error_indicator 0,
    /// payload_unit_start_indicator, transport_priority 0, PID, transport_scrambling_control 00,
    /// adaptation_field_control (01 payload only, 11 adaptation field then payload) and continuity_counter.
    /// </summary>
    public static void WriteHeader(Span<byte> packet, int pid, bool payloadUnitStart, bool hasAdaptationField, int continuityCounter)
    {
        packet[0] = SyncByte;
        packet[1] = (byte)((payloadUnitStart ? 0x40 : 0) | ((pid >> 8) & 0x1F));
        packet[2] = (byte)pid;
        packet[3] = (byte)((hasAdaptationField ? 0x30 : 0x10) | (continuityCounter & 0x0F));
    }

    /// <summary>Writes a table packet built by <see cref="TsProgramTables"/> with <paramref name="pid"/>'s next continuity_counter.</summary>
    public void WriteTable(ReadOnlySpan<byte> tablePacket, int pid)
    {
        var packet = Reserve(1);
        tablePacket.CopyTo(packet);
        packet[3] = (byte)((packet[3] & 0xF0) | NextCounter(pid));
    }

    /// <summary>
    /// Writes <paramref name="pes"/> (a whole PES packet) on <paramref name="pid"/>; its first packet's adaptation field
    /// carries <paramref name="pcr"/> (a 33-bit program_clock_reference_base in 90 kHz, or negative for none) and
    /// random_access_indicator when <paramref name="randomAccess"/>.
    /// </summary>
    public void WritePes(int pid, ReadOnlySpan<byte> pes, long pcr, bool randomAccess)
    {
        // The first packet's adaptation field: length and flags bytes, plus the 6-byte PCR (§2.4.3.4, Table 2-6).
        var firstField = pcr >= 0 ? 8 : randomAccess ? 2 : 0;
        var packets = (pes.Length + firstField + PayloadSize - 1) / PayloadSize;
        var output = Reserve(packets);
        var first = true;
        while (!pes.IsEmpty)
        {
            var packet = output[..PacketSize];
            output = output[PacketSize..];
            var field = first ? firstField : 0;
            var take = Math.Min(pes.Length, PayloadSize - field);
            field = PayloadSize - take; // what the payload leaves is adaptation field (stuffing on the last packet)
            WriteHeader(packet, pid, first, field > 0, NextCounter(pid));
            if (field > 0)
            {
                WriteAdaptationField(packet.Slice(HeaderSize, field), first ? pcr : -1, first && randomAccess);
            }

            pes[..take].CopyTo(packet[(HeaderSize + field)..]);
            pes = pes[take..];
            first = false;
        }
    }

    // §2.4.3.4, Table 2-6: adaptation_field_length (the bytes after it); when there is room for more, the flags
    // (discontinuity 0, random_access_indicator, elementary_stream_priority 0, PCR_flag, the others 0), the PCR, then
    // stuffing bytes of 0xFF. A one-byte field is the length alone (0), which is how one byte of stuffing is made.
    private static void WriteAdaptationField(Span<byte> field, long pcr, bool randomAccess)
    {
        field[0] = (byte)(field.Length - 1);
        if (field.Length == 1)
        {
            return;
        }

        field[1] = (byte)((randomAccess ? 0x40 : 0) | (pcr >= 0 ? 0x10 : 0));
        var stuffing = field[2..];
        if (pcr >= 0)
        {
            // program_clock_reference_base (33 bits), reserved (6 bits of 1), program_clock_reference_extension 0 (9 bits).
            field[2] = (byte)(pcr >> 25);
            field[3] = (byte)(pcr >> 17);
            field[4] = (byte)(pcr >> 9);
            field[5] = (byte)(pcr >> 1);
            field[6] = (byte)(((pcr & 1) << 7) | 0x7E);
            field[7] = 0;
            stuffing = field[8..];
        }

        stuffing.Fill(0xFF);
    }

    private int NextCounter(int pid)
    {
        var counter = _continuity[pid];
        _continuity[pid] = (byte)((counter + 1) & 0x0F);
        return counter;
    }

    private Span<byte> Reserve(int packets)
    {
        var needed = _length + (packets * PacketSize);
        if (needed > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(needed, _buffer.Length * 2));
        }

        var span = _buffer.AsSpan(_length, packets * PacketSize);
        _length = needed;
        return span;
    }
}
