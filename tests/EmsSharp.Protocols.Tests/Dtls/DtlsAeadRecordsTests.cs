using System.Buffers.Binary;
using EmsSharp.Protocols.Dtls;
using EmsSharp.Protocols.Srtp;

namespace EmsSharp.Protocols.Tests.Dtls;

/// <summary>
/// Application-data records of a connected epoch without the handshake library (RFC 6347 §4.1, RFC 5288): the two
/// directions of one association, framing, the replay window (§4.1.2.6) and silent drops (§4.1.2.7). Records against
/// BouncyCastle's own record layer: <see cref="DtlsTransportTests"/>.
/// </summary>
public sealed class DtlsAeadRecordsTests : IDisposable
{
    private readonly IAesGcmCipher _clientKey = AesGcmCiphers.Create(Enumerable.Range(1, 16).Select(i => (byte)i).ToArray());
    private readonly IAesGcmCipher _serverKey = AesGcmCiphers.Create(Enumerable.Range(101, 16).Select(i => (byte)i).ToArray());
    private readonly DtlsAeadRecords _client;
    private readonly DtlsAeadRecords _server;

    public DtlsAeadRecordsTests()
    {
        byte[] clientSalt = [1, 2, 3, 4], serverSalt = [5, 6, 7, 8];
        _client = new DtlsAeadRecords(_clientKey, clientSalt, _serverKey, serverSalt, epoch: 1, nextWrite: 1);
        _server = new DtlsAeadRecords(_serverKey, serverSalt, _clientKey, clientSalt, epoch: 1, nextWrite: 1);
    }

    public void Dispose()
    {
        _clientKey.Dispose();
        _serverKey.Dispose();
    }

    [Fact]
    public void A_sealed_record_opens_on_the_other_side_with_its_header_as_rfc_6347_frames_it()
    {
        byte[] data = [.. Enumerable.Range(0, 1000).Select(i => (byte)i)];
        var record = Seal(_client, data);

        Assert.Equal(DtlsAeadRecords.Overhead + data.Length, record.Length);
        Assert.Equal([23, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 1], record[..11]); // application_data, DTLS 1.2, epoch 1, seq 1
        Assert.Equal(record.Length - 13, BinaryPrimitives.ReadUInt16BigEndian(record.AsSpan(11)));
        Assert.Equal(data, Open(_server, record).Single());
        Assert.Equal(2, _client.NextWriteSequence);
    }

    [Fact]
    public void Several_records_in_one_datagram_open_in_order()
    {
        byte[] datagram = [.. Seal(_server, [1]), .. Seal(_server, [2, 2]), .. Seal(_server, [3, 3, 3])];

        Assert.True(_client.HoldsOnlyApplicationData(datagram));
        Assert.Equal([[1], [2, 2], [3, 3, 3]], Open(_client, datagram));
    }

    [Fact]
    public void A_replay_is_dropped_and_a_late_record_inside_the_window_opens_once()
    {
        var first = Seal(_client, [1]);
        var second = Seal(_client, [2]);
        var third = Seal(_client, [3]);

        Assert.Equal([[3]], Open(_server, third));
        Assert.Equal([[1]], Open(_server, first)); // reordered, inside the window
        Assert.Empty(Open(_server, first)); // the same again: a replay
        Assert.Empty(Open(_server, third));
        Assert.Equal([[2]], Open(_server, second));
    }

    [Fact]
    public void A_record_older_than_the_window_is_dropped()
    {
        var old = Seal(_client, [0]);
        for (var i = 0; i < 64; i++)
        {
            Seal(_client, [1]);
        }

        Assert.Single(Open(_server, Seal(_client, [2]))); // 65 ahead of the old one
        Assert.Empty(Open(_server, old));
    }

    [Fact]
    public void A_forged_record_is_dropped_without_moving_the_window()
    {
        var genuine = Seal(_client, [7, 7, 7]);
        var forged = (byte[])genuine.Clone();
        forged[^1] ^= 1; // the tag
        var forgedAhead = Seal(_client, [8]);
        BinaryPrimitives.WriteUInt16BigEndian(forgedAhead.AsSpan(9), 5000); // a sequence number the tag does not cover

        Assert.Empty(Open(_server, forged));
        Assert.Empty(Open(_server, forgedAhead));
        Assert.Equal([[7, 7, 7]], Open(_server, genuine));
    }

    [Fact]
    public void Only_application_data_of_its_epoch_in_whole_records_is_taken()
    {
        var record = Seal(_client, [1, 2, 3]);

        Assert.True(_server.HoldsOnlyApplicationData(record));
        Assert.False(_server.HoldsOnlyApplicationData([]));
        Assert.False(_server.HoldsOnlyApplicationData(record.AsSpan(0, record.Length - 1))); // truncated
        Assert.False(_server.HoldsOnlyApplicationData(record.AsSpan(0, 12))); // a header cut short
        Assert.False(_server.HoldsOnlyApplicationData([.. record, 23])); // a second record cut short
        foreach (var (offset, value) in new[] { (0, (byte)22), (0, (byte)21), (2, (byte)0xFF), (4, (byte)2) })
        {
            var other = (byte[])record.Clone();
            other[offset] = value; // a handshake record, an alert, DTLS 1.0, epoch 2
            Assert.False(_server.HoldsOnlyApplicationData(other));
        }
    }

    [Fact]
    public void A_fragment_too_short_for_nonce_and_tag_or_too_long_for_the_buffer_is_dropped()
    {
        byte[] shortRecord = [23, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 9, 0, 20, .. new byte[20]];
        Assert.True(_server.HoldsOnlyApplicationData(shortRecord));
        Assert.Empty(Open(_server, shortRecord));

        var record = Seal(_client, new byte[100]);
        Assert.Equal(record.Length, _server.Open(record, new byte[99], out var written));
        Assert.Equal(-1, written);
    }

    [Fact]
    public void Sequence_numbers_start_past_the_handshake_librarys_and_never_wrap()
    {
        var records = new DtlsAeadRecords(_clientKey, [1, 2, 3, 4], _serverKey, [5, 6, 7, 8], epoch: 1, nextWrite: 3);
        records.SkipWriteSequenceTo(2); // never back
        Assert.Equal(3, records.NextWriteSequence);
        records.SkipWriteSequenceTo(9);
        Assert.Equal(9, records.NextWriteSequence);

        var last = new DtlsAeadRecords(_clientKey, [1, 2, 3, 4], _serverKey, [5, 6, 7, 8], epoch: 1, nextWrite: (1L << 48) - 1);
        var buffer = new byte[64];
        Assert.True(last.Seal([1], buffer) > 0);
        Assert.Equal(0, last.Seal([1], buffer));
    }

    [Fact]
    public void A_close_notify_is_an_alert_record_of_the_epoch()
    {
        var buffer = new byte[64];
        var length = _client.SealCloseNotify(buffer);

        Assert.Equal(21, buffer[0]);
        Assert.Equal(DtlsAeadRecords.Overhead + 2, length);
        Assert.False(_server.HoldsOnlyApplicationData(buffer.AsSpan(0, length))); // the handshake library reads alerts
    }

    private static byte[] Seal(DtlsAeadRecords records, byte[] data)
    {
        var buffer = new byte[data.Length + DtlsAeadRecords.Overhead];
        var length = records.Seal(data, buffer);
        return buffer[..length];
    }

    private static List<byte[]> Open(DtlsAeadRecords records, ReadOnlySpan<byte> datagram)
    {
        Assert.True(records.HoldsOnlyApplicationData(datagram));
        var opened = new List<byte[]>();
        var plaintext = new byte[1500];
        while (!datagram.IsEmpty)
        {
            datagram = datagram[records.Open(datagram, plaintext, out var written)..];
            if (written >= 0)
            {
                opened.Add(plaintext[..written]);
            }
        }

        return opened;
    }
}
