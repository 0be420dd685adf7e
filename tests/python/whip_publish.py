#!/usr/bin/python3
"""A WHIP publisher on aiortc (an independent WebRTC stack): offers to send a generated test pattern (and a 440 Hz
tone, Opus-encoded by aiortc), POSTs the offer to a WHIP endpoint (RFC 9725), sends for a while, then DELETEs its session.

Prints one JSON object per line: {"event": "answered", ...} after the POST, {"event": "connected", ...} once the
peer connection is up, {"event": "published", ...} when the time is over, {"event": "deleted", ...} after the
DELETE, {"event": "ended", ...} when the server ended the session first, or {"event": "refused", ...} when the
endpoint did not answer 201. Exit code 0 when everything went as asked, 1 otherwise.
"""
import argparse
import asyncio
import math
import sys
from array import array

import av
from aiortc import RTCPeerConnection, VideoStreamTrack
from aiortc.mediastreams import AudioStreamTrack

from wish import delete, post_offer, say

WIDTH, HEIGHT = 320, 240


class TestPattern(VideoStreamTrack):
    """Moving grey bars, 30 frames a second: each frame differs, so the encoder has something to send."""

    def __init__(self):
        super().__init__()
        self.frames = 0

    async def recv(self):
        pts, time_base = await self.next_timestamp()
        frame = av.VideoFrame(WIDTH, HEIGHT, "yuv420p")
        for index, plane in enumerate(frame.planes):
            if index == 0:
                row = bytes((x * 2 + self.frames * 4) & 0xFF for x in range(plane.line_size))
                plane.update(row * plane.height)
            else:
                plane.update(bytes([128]) * plane.buffer_size)
        frame.pts = pts
        frame.time_base = time_base
        self.frames += 1
        return frame


class Tone(AudioStreamTrack):
    """A 440 Hz sine at a quarter of full scale: the base class paces the 20 ms frames, this fills them."""

    def __init__(self):
        super().__init__()
        self.samples = 0

    async def recv(self):
        frame = await super().recv()
        rate, count = frame.sample_rate, frame.samples
        wave = array("h", (int(8192 * math.sin(2 * math.pi * 440 * (self.samples + i) / rate)) for i in range(count)))
        frame.planes[0].update(wave.tobytes())
        self.samples += count
        return frame


async def publish(args):
    pc = RTCPeerConnection()
    video = TestPattern()
    pc.addTransceiver(video, direction="sendonly")
    if not args.no_audio:
        pc.addTransceiver(Tone(), direction="sendonly")
    connected = asyncio.Event()
    ended = asyncio.Event()

    @pc.on("connectionstatechange")
    def on_state():
        if pc.connectionState == "connected":
            connected.set()
        elif pc.connectionState in ("failed", "closed"):
            ended.set()

    session = await post_offer(pc, args.url, args.token)
    if session is None:
        return 1
    try:
        await asyncio.wait_for(connected.wait(), args.timeout)
    except asyncio.TimeoutError:
        say(event="timeout", ice=pc.iceConnectionState)
        await pc.close()
        return 1
    say(event="connected")
    try:
        await asyncio.wait_for(ended.wait(), args.seconds)
        say(event="ended", state=pc.connectionState, frames=video.frames)
        await pc.close()
        return 1
    except asyncio.TimeoutError:
        say(event="published", frames=video.frames)
    status = await delete(*session)
    await pc.close()
    return 0 if status == 200 else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url", help="the WHIP endpoint, e.g. http://127.0.0.1:8889/cam1/whip")
    parser.add_argument("--seconds", type=float, default=20, help="how long to publish once connected")
    parser.add_argument("--timeout", type=float, default=30, help="seconds to wait for the connection")
    parser.add_argument("--token", help="a bearer token (the stream's publish key)")
    parser.add_argument("--no-audio", action="store_true", help="publish video only")
    sys.exit(asyncio.run(publish(parser.parse_args())))


if __name__ == "__main__":
    main()
