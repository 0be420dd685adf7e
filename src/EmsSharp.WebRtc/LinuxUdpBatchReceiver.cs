using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using static EmsSharp.WebRtc.LinuxSockets;

namespace EmsSharp.WebRtc;

/// <summary>
/// Receives the datagrams queued on a UDP socket with one <c>recvmmsg(2)</c> call (Linux 2.6.33): blocks for the first
/// (<c>MSG_WAITFORONE</c>) and takes up to <see cref="MaxMessages"/> already waiting with it. A viewer's SACKs and
/// receiver reports come in bursts, answers to the burst of packets a worker just sent to its viewers, so one call
/// takes many. One thread only: the headers and buffers are the receiver's own, reused by every call.
/// </summary>
internal sealed unsafe partial class LinuxUdpBatchReceiver : IDisposable
{
    /// <summary>The most datagrams one call takes.</summary>
    public const int MaxMessages = 32;

    // struct sockaddr_in (<netinet/in.h>): family, port and address in network order, 8 bytes of zero.
    private const int SockaddrInLength = 16;

    private readonly SafeSocketHandle _handle;
    private readonly byte* _memory;
    private readonly MMsgHdr* _messages;
    private readonly IoVec* _vectors;
    private readonly byte* _names;
    private readonly byte* _buffers;
    private long _calls;
    private int _disposed;

    private LinuxUdpBatchReceiver(Socket socket, int bufferLength)
    {
        _handle = socket.SafeHandle;
        var headers = (nuint)(MaxMessages * (sizeof(MMsgHdr) + sizeof(IoVec) + SockaddrInLength));
        _memory = (byte*)NativeMemory.AlignedAlloc(headers + (nuint)(MaxMessages * bufferLength), 64);
        _messages = (MMsgHdr*)_memory;
        _vectors = (IoVec*)(_messages + MaxMessages);
        _names = (byte*)(_vectors + MaxMessages);
        _buffers = _names + (MaxMessages * SockaddrInLength);
        for (var i = 0; i < MaxMessages; i++)
        {
            _vectors[i] = new IoVec { Base = _buffers + (i * bufferLength), Length = (nuint)bufferLength };
        }
    }

    /// <summary><c>recvmmsg</c> calls that returned datagrams.</summary>
    public long Calls => Interlocked.Read(ref _calls);

    /// <summary>
    /// A receiver for <paramref name="socket"/> (IPv4 UDP, blocking) with buffers of <paramref name="bufferLength"/>
    /// bytes, or null where <paramref name="enabled"/> is false, the platform is not 64-bit Linux, or <c>recvmmsg</c> is
    /// unavailable (probed with an empty call, which returns 0 where it exists and seccomp allows it).
    /// </summary>
    public static LinuxUdpBatchReceiver? TryCreate(Socket socket, bool enabled, int bufferLength, ILogger logger)
    {
        if (!enabled || !IsSupportedPlatform)
        {
            return null;
        }

        try
        {
            if (RecvMmsg(socket.SafeHandle, null, 0, MsgDontWait, null) < 0)
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

        return new LinuxUdpBatchReceiver(socket, bufferLength);
    }

    /// <summary>
    /// Waits for at least one datagram and returns how many were taken (0 when a signal interrupted the wait). Throws
    /// <see cref="IOException"/> for any other error, <see cref="ObjectDisposedException"/> once the socket is closed.
    /// A socket shut down under the call (as closing it does) reports empty datagrams.
    /// </summary>
    public int Receive()
    {
        for (var i = 0; i < MaxMessages; i++)
        {
            // The kernel writes back the name's length and the flags: both are reset before each call.
            _messages[i] = new MMsgHdr
            {
                Header = new MsgHdr { Name = _names + (i * SockaddrInLength), NameLength = SockaddrInLength, Iov = _vectors + i, IovLength = 1 },
            };
        }

        var received = RecvMmsg(_handle, _messages, MaxMessages, MsgWaitForOne, null);
        if (received >= 0)
        {
            Interlocked.Increment(ref _calls);
            return received;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == Eintr ? 0 : throw new IOException("recvmmsg failed: " + Marshal.GetPInvokeErrorMessage(errno));
    }

    /// <summary>
    /// Datagram <paramref name="index"/> of the last <see cref="Receive"/> and its source, a <c>sockaddr_in</c>; false if
    /// it was longer than the buffer (cut short) or has no IPv4 source (the empty messages of a socket shut down under the call).
    /// </summary>
    public bool TryGet(int index, out ReadOnlySpan<byte> datagram, out ReadOnlySpan<byte> source)
    {
        var message = _messages[index];
        datagram = new ReadOnlySpan<byte>(_vectors[index].Base, (int)message.Length);
        source = new ReadOnlySpan<byte>(message.Header.Name, (int)message.Header.NameLength);
        return (message.Header.Flags & MsgTrunc) == 0 && message.Header.NameLength == SockaddrInLength;
    }

    /// <summary>Frees the buffers; only once the receiving thread has stopped calling.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            NativeMemory.AlignedFree(_memory);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "recvmmsg is unavailable ({Reason}); datagrams are received one call each")]
    private static partial void LogUnavailable(ILogger logger, string reason);
}
