"""What the aiortc WHEP player and WHIP publisher share (RFC 9725's HTTP usage): their JSON-lines events and the offer's
POST, which prints "refused" for any status but 201 and "answered" (with the Location made absolute) for a 201."""
import asyncio
import json
import urllib.error
import urllib.parse
import urllib.request

from aiortc import RTCSessionDescription


def say(**fields):
    print(json.dumps(fields), flush=True)


def http(method, url, body=None, headers=None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()
    except urllib.error.URLError as error:  # no HTTP reply at all (refused, unreachable): status 0
        return 0, {}, str(error.reason)


async def post_offer(pc, url, token):
    """POSTs pc's offer (aiortc gathers its candidates before setLocalDescription returns: the offer holds them all, no
    trickle); returns the session's URL and the request headers, or None when refused (pc is closed then)."""
    await pc.setLocalDescription(await pc.createOffer())
    headers = {"Content-Type": "application/sdp"}
    if token:
        headers["Authorization"] = "Bearer " + token
    loop = asyncio.get_running_loop()
    status, response_headers, body = await loop.run_in_executor(
        None, http, "POST", url, pc.localDescription.sdp.encode(), headers)
    if status != 201:
        say(event="refused", status=status, body=body.strip())
        await pc.close()
        return None
    location = urllib.parse.urljoin(url, response_headers.get("Location", ""))
    say(event="answered", status=status, location=location, etag=response_headers.get("ETag"),
        link=response_headers.get("Link"), contentType=response_headers.get("Content-Type"), answer=body)
    await pc.setRemoteDescription(RTCSessionDescription(sdp=body, type="answer"))
    return location, headers


async def delete(location, headers):
    """DELETEs the session (RFC 9725 §4.2) and prints "deleted"; returns the status."""
    status, _, _ = await asyncio.get_running_loop().run_in_executor(None, http, "DELETE", location, None, headers)
    say(event="deleted", status=status)
    return status
