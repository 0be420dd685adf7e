using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace EmsSharp.WebRtc;

/// <summary>
/// The Linux socket calls .NET does not wrap, <c>sendmmsg(2)</c> and <c>recvmmsg(2)</c>, with the C structures it takes laid out as on 64-bit
/// Linux (x64 and arm64 are both LP64 and little-endian: pointers and <c>size_t</c> 8 bytes, <c>int</c> and
/// <c>socklen_t</c> 4, natural alignment), and the constants of <c>udp(7)</c> GSO.
/// </summary>
internal static unsafe partial class LinuxSockets
{
    /// <summary><c>MSG_DONTWAIT</c> (&lt;bits/socket.h&gt;): never block, report <c>EAGAIN</c> instead.</summary>
    public const int MsgDontWait = 0x40;

    /// <summary><c>MSG_TRUNC</c> (&lt;bits/socket.h&gt;), in a received message's flags: the datagram was longer than its buffer.</summary>
    public const int MsgTrunc = 0x20;

    /// <summary>
    /// <c>MSG_WAITFORONE</c> (&lt;bits/socket.h&gt;, Linux 2.6.34): <c>recvmmsg</c> blocks for the first message only and
    /// then takes what is already queued.
    /// </summary>
    public const int MsgWaitForOne = 0x10000;

    /// <summary><c>SOL_UDP</c>, the level of UDP options: <c>IPPROTO_UDP</c>.</summary>
    public const int SolUdp = 17;

    /// <summary><c>UDP_SEGMENT</c> (&lt;linux/udp.h&gt;, Linux 4.18): the GSO segment size, as a socket option or a cmsg.</summary>
    public const int UdpSegment = 103;

    // errno values of asm-generic/errno-base.h and asm-generic/errno.h, shared by x64 and arm64.

    /// <summary><c>EINTR</c>: a signal interrupted the call before anything was sent.</summary>
    public const int Eintr = 4;

    /// <summary><c>EIO</c>: what <c>udp_send_skb</c> answers a GSO send it cannot offload (udplite, IPsec).</summary>
    public const int Eio = 5;

    /// <summary><c>EAGAIN</c>: the socket's send buffer is full.</summary>
    public const int Eagain = 11;

    /// <summary><c>EINVAL</c>: among others, a GSO send the kernel refuses (too many segments, <c>SO_NO_CHECK</c>).</summary>
    public const int Einval = 22;

    /// <summary><c>EMSGSIZE</c>: too large for the route, which GSO segments must each fit.</summary>
    public const int Emsgsize = 90;

    /// <summary>Whether the structures below are those of the running process: 64-bit Linux on x64 or arm64.</summary>
    public static bool IsSupportedPlatform =>
        OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

    /// <summary>
    /// <c>int sendmmsg(int sockfd, struct mmsghdr *msgvec, unsigned int vlen, int flags)</c>, sendmmsg(2): sends up to
    /// <paramref name="count"/> messages (the kernel takes at most UIO_MAXIOV, 1024) and returns how many went, or -1
    /// with errno when the first one failed.
    /// </summary>
    [LibraryImport("libc", EntryPoint = "sendmmsg", SetLastError = true)]
    public static partial int SendMmsg(SafeSocketHandle socket, MMsgHdr* messages, uint count, int flags);

    /// <summary>
    /// <c>int recvmmsg(int sockfd, struct mmsghdr *msgvec, unsigned int vlen, int flags, struct timespec *timeout)</c>,
    /// recvmmsg(2): receives up to <paramref name="count"/> messages and returns how many came (each one's length in
    /// its <see cref="MMsgHdr.Length"/>), or -1 with errno when the first one failed.
    /// </summary>
    [LibraryImport("libc", EntryPoint = "recvmmsg", SetLastError = true)]
    public static partial int RecvMmsg(SafeSocketHandle socket, MMsgHdr* messages, uint count, int flags, void* timeout);

    /// <summary><c>struct iovec</c> (&lt;sys/uio.h&gt;), 16 bytes.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public byte* Base;
        public nuint Length;
    }

    /// <summary><c>struct msghdr</c> (&lt;sys/socket.h&gt;), 56 bytes: 4 bytes of padding after the name length and the flags.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
    {
        public byte* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    /// <summary>
    /// <c>struct mmsghdr</c> (sendmmsg(2), recvmmsg(2)), 64 bytes: the message and the bytes the kernel sent or received.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MMsgHdr
    {
        public MsgHdr Header;
        public uint Length;
    }

    /// <summary>
    /// One control message carrying <c>UDP_SEGMENT</c>: <c>struct cmsghdr</c> (<c>size_t cmsg_len; int cmsg_level;
    /// int cmsg_type</c>, 16 bytes) and the u16 segment size at <c>CMSG_DATA</c>; 24 bytes = <c>CMSG_SPACE(2)</c>.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct UdpSegmentMessage
    {
        /// <summary><c>CMSG_LEN(sizeof(u16))</c>: the kernel (<c>udp_cmsg_send</c>) takes exactly this length.</summary>
        public const int DataLength = 16 + sizeof(ushort);

        public nuint Length;
        public int Level;
        public int Type;
        public ushort SegmentSize;
    }
}
