using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using EmsSharp.WebRtc;

namespace EmsSharp.Load.Viewers;

/// <summary>
/// The receive-side Linux calls the viewers' shared receive threads need beside what <see cref="LinuxSockets"/> already
/// declares for the server's <c>sendmmsg</c> (whose <c>struct mmsghdr</c>, <c>iovec</c>, flags and errno values they
/// reuse): <c>recvmmsg(2)</c>, <c>epoll(7)</c> and the control data a datagram carries (its kernel arrival time and, with
/// <c>UDP_GRO</c>, the segment size of a coalesced one). 64-bit Linux only (<see cref="LinuxSockets.IsSupportedPlatform"/>).
/// </summary>
internal static unsafe partial class LinuxReceiveCalls
{
    /// <summary><c>EPOLLIN</c> (&lt;sys/epoll.h&gt;): readable.</summary>
    public const uint EpollIn = 0x001;

    /// <summary><c>EPOLL_CTL_ADD</c>.</summary>
    public const int EpollCtlAdd = 1;

    /// <summary><c>EPOLL_CLOEXEC</c> = <c>O_CLOEXEC</c>.</summary>
    public const int EpollCloexec = 0x80000;

    /// <summary><c>MSG_TRUNC</c> in <c>msg_flags</c>: the datagram was longer than the buffer.</summary>
    public const int MsgTrunc = 0x20;

    /// <summary><c>sizeof(struct sockaddr_in)</c>: the viewers' sockets are IPv4.</summary>
    public const int SockaddrInLength = 16;

    /// <summary><c>SOL_SOCKET</c> on x86-64 and arm64 (asm-generic).</summary>
    public const int SolSocket = 1;

    /// <summary>
    /// <c>SO_TIMESTAMPNS</c> = <c>SCM_TIMESTAMPNS</c> (asm-generic, the 64-bit <c>timespec</c> form): each datagram comes with
    /// the <c>CLOCK_REALTIME</c> at which the kernel received it, socket(7).
    /// </summary>
    public const int SoTimestampNs = 35;

    /// <summary><c>SOL_UDP</c> (<see cref="LinuxSockets.SolUdp"/>), for callers outside the WebRtc assembly.</summary>
    public const int SolUdp = LinuxSockets.SolUdp;

    /// <summary>
    /// <c>UDP_GRO</c> (&lt;linux/udp.h&gt;, Linux 5.0), a <c>SOL_UDP</c> option: the socket accepts a GSO or GRO datagram whole
    /// (several segments of one size, the last one shorter) and each read says the segment size in a <c>UDP_GRO</c> cmsg
    /// (an <c>int</c>), instead of the kernel cutting it into datagrams on its way in. udp(7).
    /// </summary>
    public const int UdpGro = 104;

    /// <summary>
    /// Control space per message: <c>CMSG_SPACE(sizeof(struct timespec))</c> (a 16-byte <c>cmsghdr</c> and a 16-byte
    /// <c>timespec</c>) plus <c>CMSG_SPACE(sizeof(int))</c> for <c>UDP_GRO</c> (24), rounded up.
    /// </summary>
    public const int ControlLength = 64;

    /// <summary>
    /// <c>sizeof(struct epoll_event)</c>: <c>{ uint32_t events; epoll_data_t data; }</c> is packed on x86-64 (12 bytes,
    /// data at 4) and naturally aligned elsewhere (16 bytes, data at 8), so the events are read as bytes.
    /// </summary>
    public static readonly int EpollEventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    private static readonly int EpollDataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    /// <summary>
    /// <c>int recvmmsg(int sockfd, struct mmsghdr *msgvec, unsigned int vlen, int flags, struct timespec *timeout)</c>,
    /// recvmmsg(2): receives up to <paramref name="count"/> datagrams; returns how many, or -1 with errno.
    /// </summary>
    [LibraryImport("libc", EntryPoint = "recvmmsg", SetLastError = true)]
    public static partial int RecvMmsg(int socket, LinuxSockets.MMsgHdr* messages, uint count, int flags, void* timeout);

    /// <summary><c>int epoll_create1(int flags)</c>.</summary>
    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    public static partial int EpollCreate1(int flags);

    /// <summary><c>int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event)</c>.</summary>
    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    private static partial int EpollCtl(int epoll, int operation, int fd, byte* epollEvent);

    /// <summary><c>int epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout)</c>; -1 timeout waits.</summary>
    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    public static partial int EpollWait(int epoll, byte* events, int maxEvents, int timeoutMs);

    /// <summary><c>int close(int fd)</c>, for the epoll descriptor.</summary>
    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    /// <summary>Watches <paramref name="fd"/> for input (level-triggered), reported with <paramref name="data"/>.</summary>
    public static int EpollAdd(int epoll, int fd, ulong data)
    {
        byte* epollEvent = stackalloc byte[16];
        Unsafe.WriteUnaligned(epollEvent, EpollIn);
        Unsafe.WriteUnaligned(epollEvent + EpollDataOffset, data);
        return EpollCtl(epoll, EpollCtlAdd, fd, epollEvent);
    }

    /// <summary>
    /// What a message's control data says (walking its <c>cmsghdr</c>s: <c>size_t len; int level; int type;</c>, data at 16,
    /// each padded to 8): the kernel's receive time in ns since the Unix epoch (<c>CLOCK_REALTIME</c>), -1 when it carries
    /// none; and the <c>UDP_GRO</c> segment size of a coalesced datagram, 0 when it is one datagram.
    /// </summary>
    public static (long TimestampNs, int SegmentSize) ReadControl(ReadOnlySpan<byte> control)
    {
        long timestampNs = -1;
        int segmentSize = 0;
        int offset = 0;
        while (offset + 16 <= control.Length)
        {
            long length = BinaryPrimitives.ReadInt64LittleEndian(control[offset..]);
            if (length < 16 || length > control.Length - offset)
            {
                break;
            }

            int level = BinaryPrimitives.ReadInt32LittleEndian(control[(offset + 8)..]);
            int type = BinaryPrimitives.ReadInt32LittleEndian(control[(offset + 12)..]);
            if (level == SolSocket && type == SoTimestampNs && length >= 32)
            {
                timestampNs = (BinaryPrimitives.ReadInt64LittleEndian(control[(offset + 16)..]) * 1_000_000_000)
                    + BinaryPrimitives.ReadInt64LittleEndian(control[(offset + 24)..]);
            }
            else if (level == SolUdp && type == UdpGro && length >= 20)
            {
                segmentSize = Math.Max(0, BinaryPrimitives.ReadInt32LittleEndian(control[(offset + 16)..]));
            }

            offset += (int)((length + 7) & ~7L);
        }

        return (timestampNs, segmentSize);
    }

    /// <summary>The <c>data</c> of event <paramref name="index"/> in an <see cref="EpollWait"/> array.</summary>
    public static ulong EpollData(byte* events, int index) =>
        Unsafe.ReadUnaligned<ulong>(events + (index * EpollEventSize) + EpollDataOffset);
}
