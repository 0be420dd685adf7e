#!/usr/bin/python3
"""A WHEP player on aiortc (an independent WebRTC stack): offers to receive video (and audio), POSTs the offer to a
WHEP endpoint, plays what comes, counts decoded video frames and audio frames, then DELETEs its session.

Prints one JSON object per line: {"event": "answered", ...} after the POST, {"event": "played", ...} once enough
video frames were decoded, {"event": "deleted", ...} after the DELETE, or {"event": "refused", ...} when the
endpoint did not answer 201. Exit code 0 when everything went as asked, 1 otherwise.
"""
import argparse
import asyncio
import sys

from aiortc import RTCPeerConnection

from wish import delete, post_offer, say


async def play(args):
    pc = RTCPeerConnection()
    pc.addTransceiver("video", direction="recvonly")
    if not args.no_audio:
        pc.addTransceiver("audio", direction="recvonly")
    counts = {"video": 0, "audio": 0}
    enough = asyncio.Event()

    @pc.on("track")
    def on_track(track):
        async def consume():
            while True:
                try:
                    await track.recv()  # a decoded frame (PyAV decodes H.264 and Opus)
                except Exception:
                    return
                counts[track.kind] += 1
                if counts["video"] >= args.frames and (args.no_audio or counts["audio"] > 0):
                    enough.set()

        asyncio.ensure_future(consume())

    session = await post_offer(pc, args.url, args.token)
    if session is None:
        return 1
    ok = True
    try:
        await asyncio.wait_for(enough.wait(), args.timeout)
        say(event="played", video=counts["video"], audio=counts["audio"])
    except asyncio.TimeoutError:
        say(event="timeout", video=counts["video"], audio=counts["audio"], ice=pc.iceConnectionState)
        ok = False
    if args.no_delete:
        await pc.close()  # leaves as a player that vanishes: no DELETE
        say(event="closed")
        return 0 if ok else 1
    status = await delete(*session)
    await pc.close()
    return 0 if ok and status == 200 else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url", help="the WHEP endpoint, e.g. http://127.0.0.1:8889/test/whep")
    parser.add_argument("--frames", type=int, default=60, help="decoded video frames to wait for")
    parser.add_argument("--timeout", type=float, default=30, help="seconds to wait for them")
    parser.add_argument("--token", help="a bearer token (the stream's read key)")
    parser.add_argument("--no-audio", action="store_true", help="offer to receive video only")
    parser.add_argument("--no-delete", action="store_true", help="close without DELETE, as a player that vanishes")
    sys.exit(asyncio.run(play(parser.parse_args())))


if __name__ == "__main__":
    main()
