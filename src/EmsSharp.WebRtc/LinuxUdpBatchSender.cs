using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using static EmsSharp.WebRtc.LinuxSockets;

namespace EmsSharp.WebRtc;

/// <summary>
/// Sends a batch of datagrams to one destination on a UDP socket with one <c>sendmmsg(2)</c> call (Linux 3.0), and
/// with UDP GSO (<c>UDP_SEGMENT</c>, Linux 4.18, udp(7)) each run of equal-sized datagrams, plus at most one shorter
/// datagram at its end, as one message the kernel cuts into datagrams: a keyframe's STAP-A and its FU-A fragments of
/// one NAL unit (RFC 6184) leave in two messages of one call. Thread-safe: every call keeps its headers on its stack.
/// A GSO send the kernel refuses while the same datagrams go out without it turns GSO off for good (logged once).
/// </summary>
internal sealed unsafe partial class LinuxUdpBatchSender
{
    // Messages one call hands the kernel (which takes up to UIO_MAXIOV, 1024): 128 × 144 bytes of headers on the stack.
    private const int MaxMessagesPerCall = 128;

    // The largest socket address a message names: struct sockaddr_in6 (28 bytes), rounded up.
    private const int MaxNameLength = 32;

    // UDP_MAX_SEGMENTS (include/linux/udp.h): 64 since 4.18 (later kernels allow more).
    private const int MaxGsoSegments = 64;

    // __ip_append_data: a GSO message may fill one IPv4 datagram, IP_MAX_MTU (65,535) less the IP (20) and UDP (8) headers.
    private const int MaxGsoBytes = 65_535 - 20 - 8;

    // How long a full send buffer may hold a batch up before the rest of it is dropped (a blocking sendto waits too).
    private static readonly TimeSpan SendBufferWait = TimeSpan.FromSeconds(1);

    private readonly Socket _socket;
    private readonly SafeSocketHandle _handle;
    private readonly ILogger _logger;
    private int _gso; // 1 while GSO is on
    private long _calls;

    private LinuxUdpBatchSender(Socket socket, bool gso, ILogger logger)
    {
        _socket = socket;
        _handle = socket.SafeHandle;
        _gso = gso ? 1 : 0;
        _logger = logger;
    }

    /// <summary>Whether runs of equal datagrams go out as GSO messages.</summary>
    public bool Gso => Volatile.Read(ref _gso) == 1;

    /// <summary><c>sendmmsg</c> calls made so far.</summary>
    public long Calls => Interlocked.Read(ref _calls);

    /// <summary>
    /// A sender for <paramref name="socket"/> (IPv4 UDP), or null where <paramref name="mode"/> is
    /// <see cref="UdpBatchMode.Off"/>, the platform is not 64-bit Linux, or <c>sendmmsg</c> is unavailable (probed with
    /// an empty call, which returns 0 where it exists and seccomp allows it). GSO in <see cref="UdpBatchMode.Auto"/> only,
    /// where reading the <c>UDP_SEGMENT</c> option succeeds (Linux 4.18).
    /// </summary>
    public static LinuxUdpBatchSender? TryCreate(Socket socket, UdpBatchMode mode, ILogger logger)
    {
        if (mode == UdpBatchMode.Off || !IsSupportedPlatform)
        {
            return null;
        }

        try
        {
            if (SendMmsg(socket.SafeHandle, null, 0, MsgDontWait) < 0)
            {
                LogUnavailable(logger, Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError()));
                return null;
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            LogUnavailable(logger, e.Message);
            return null;
        }

        var gso = false;
        if (mode == UdpBatchMode.Auto)
        {
            try
            {
                Span<byte> segment = stackalloc byte[sizeof(int)];
                socket.GetRawSocketOption(SolUdp, UdpSegment, segment);
                gso = true;
            }
            catch (SocketException e)
            {
                LogNoGso(logger, e.SocketErrorCode.ToString());
            }
        }

        return new LinuxUdpBatchSender(socket, gso, logger);
    }

    /// <summary>
    /// Sends <paramref name="lengths"/>.Length datagrams laid back to back in <paramref name="datagrams"/> to
    /// <paramref name="address"/> (the serialized <paramref name="destination"/>), in order, in as few calls as the
    /// limits allow. A datagram the kernel refuses is logged and skipped; a send buffer still full after
    /// <see cref="SendBufferWait"/> drops the rest of the batch. Throws <see cref="ObjectDisposedException"/> once the
    /// socket is closed.
    /// </summary>
    public void Send(ReadOnlySpan<byte> datagrams, ReadOnlySpan<int> lengths, SocketAddress address, IPEndPoint destination) =>
        Send(datagrams, lengths, [new UdpSendGroup(lengths.Length, address, destination)]);

    /// <summary>
    /// The same for several destinations in one go: <paramref name="groups"/> take the datagrams in order, each its
    /// <see cref="UdpSendGroup.Count"/> for its destination, and one <c>sendmmsg</c> carries messages to many of them.
    /// </summary>
    public void Send(ReadOnlySpan<byte> datagrams, ReadOnlySpan<int> lengths, ReadOnlySpan<UdpSendGroup> groups)
    {
        var messages = stackalloc MMsgHdr[MaxMessagesPerCall];
        var vectors = stackalloc IoVec[MaxMessagesPerCall];
        var controls = stackalloc UdpSegmentMessage[MaxMessagesPerCall];
        var names = stackalloc byte[MaxMessagesPerCall * MaxNameLength];
        Span<int> segments = stackalloc int[MaxMessagesPerCall];
        Span<int> messageGroups = stackalloc int[MaxMessagesPerCall];
        ValidateLengths(datagrams.Length, lengths, groups);
        var gso = Gso;
        var retryingWithoutGso = false;
        fixed (byte* data = datagrams)
        {
            // The first datagram not yet sent, its offset, and the group it belongs to.
            var next = 0;
            var offset = 0;
            var group = 0;
            var groupEnd = groups.Length > 0 ? groups[0].Count : 0;
            while (next < lengths.Length)
            {
                var count = 0;
                for (int d = next, o = offset, g = group, end = groupEnd; count < MaxMessagesPerCall && d < lengths.Length; count++)
                {
                    while (d == end)
                    {
                        end += groups[++g].Count;
                    }

                    var n = CountSegments(lengths, d, end, gso, out var bytes);
                    var address = groups[g].Address;
                    var name = names + (count * MaxNameLength);
                    address.Buffer.Span[..address.Size].CopyTo(new Span<byte>(name, MaxNameLength));
                    vectors[count] = new IoVec { Base = data + o, Length = (nuint)bytes };
                    messages[count] = new MMsgHdr
                    {
                        Header = new MsgHdr { Name = name, NameLength = (uint)address.Size, Iov = vectors + count, IovLength = 1 },
                    };
                    if (n > 1)
                    {
                        // udp(7): every datagram of the message is SegmentSize bytes but the last, which may be shorter.
                        controls[count] = new UdpSegmentMessage
                        {
                            Length = UdpSegmentMessage.DataLength,
                            Level = SolUdp,
                            Type = UdpSegment,
                            SegmentSize = (ushort)lengths[d],
                        };
                        messages[count].Header.Control = controls + count;
                        messages[count].Header.ControlLength = (nuint)sizeof(UdpSegmentMessage);
                    }

                    segments[count] = n;
                    messageGroups[count] = g;
                    d += n;
                    o += bytes;
                }

                var sent = SendMmsg(_handle, messages, (uint)count, MsgDontWait);
                Interlocked.Increment(ref _calls);
                if (sent > 0)
                {
                    // sendmmsg(2): fewer than asked means the next message failed; the next call reports its error.
                    for (var i = 0; i < sent; i++)
                    {
                        Advance(groups, segments[i], (int)vectors[i].Length, messageGroups[i], ref next, ref offset, ref group, ref groupEnd);
                    }

                    if (retryingWithoutGso)
                    {
                        retryingWithoutGso = false;
                        DisableGso();
                    }

                    continue;
                }

                var errno = Marshal.GetLastPInvokeError();
                if (errno == Eintr || (errno == Eagain && _socket.Poll(SendBufferWait, SelectMode.SelectWrite)))
                {
                    continue;
                }

                if (segments[0] > 1 && errno is Einval or Eio or Emsgsize)
                {
                    // Send the same datagrams one message each: if that works, GSO was what the kernel refused.
                    gso = false;
                    retryingWithoutGso = true;
                    continue;
                }

                retryingWithoutGso = false;
                LogSendFailed(_logger, groups[messageGroups[0]].Destination, segments[0], Marshal.GetPInvokeErrorMessage(errno));
                if (errno == Eagain)
                {
                    return;
                }

                Advance(groups, segments[0], (int)vectors[0].Length, messageGroups[0], ref next, ref offset, ref group, ref groupEnd);
            }
        }
    }

    // Moves past one message's datagrams, which belong to group `messageGroup`.
    private static void Advance(ReadOnlySpan<UdpSendGroup> groups, int datagrams, int bytes, int messageGroup,
        ref int next, ref int offset, ref int group, ref int groupEnd)
    {
        while (group < messageGroup)
        {
            groupEnd += groups[++group].Count;
        }

        next += datagrams;
        offset += bytes;
    }

    // The datagrams, from `first` and before `end`, that one message carries: one, or with GSO a run of equal sizes and at
    // most one shorter datagram ending it, within the kernel's limits on segments and bytes.
    private static int CountSegments(ReadOnlySpan<int> lengths, int first, int end, bool gso, out int bytes)
    {
        var size = lengths[first];
        bytes = size;
        var n = 1;
        while (gso && n < MaxGsoSegments && first + n < end)
        {
            var length = lengths[first + n];
            if (length > size || bytes + length > MaxGsoBytes)
            {
                break;
            }

            bytes += length;
            n++;
            if (length < size)
            {
                break;
            }
        }

        return n;
    }

    private static void ValidateLengths(int available, ReadOnlySpan<int> lengths, ReadOnlySpan<UdpSendGroup> groups)
    {
        var total = 0L;
        foreach (var length in lengths)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length, nameof(lengths));
            total += length;
        }

        ArgumentOutOfRangeException.ThrowIfGreaterThan(total, available, nameof(lengths));
        var grouped = 0;
        foreach (var group in groups)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(group.Count, nameof(groups));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(group.Address.Size, MaxNameLength, nameof(groups));
            grouped += group.Count;
        }

        if (grouped != lengths.Length)
        {
            throw new ArgumentException("The groups must take every datagram.", nameof(groups));
        }
    }

    private void DisableGso()
    {
        if (Interlocked.Exchange(ref _gso, 0) == 1)
        {
            LogGsoRefused(_logger);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "sendmmsg is unavailable ({Reason}): one sendto per datagram")]
    private static partial void LogUnavailable(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "UDP GSO is unavailable ({Reason}): batches go out with sendmmsg alone")]
    private static partial void LogNoGso(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "UDP GSO refused by the kernel where plain datagrams pass: batches go out with sendmmsg alone from now on")]
    private static partial void LogGsoRefused(ILogger logger);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Send of {Count} datagrams to {Destination} failed: {Error}")]
    private static partial void LogSendFailed(ILogger logger, IPEndPoint destination, int count, string error);
}
