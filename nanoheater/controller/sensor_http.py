"""Provides ``fetch_json``: one bounded GET of a JSON document for the HTTP room sensor.

Why not urllib: its per-socket timeout never fires for a server that trickles one byte at a
time, and the worker thread it needs cannot be cancelled (SIGTERM once waited 170 s for one).
aiohttp (already the service's dependency) runs on the event loop, so the total deadline cancels
it cleanly. Redirects are followed by hand so credentials go only where the user sent them:
the bearer token and URL credentials (``http://user:pass@host:port/...``, sent as basic auth)
reach the configured origin only, never another host, port or scheme (no https -> http).
One Authorization header: URL credentials win over the token.
"""

from __future__ import annotations

import base64
import json
import ssl
import urllib.parse
from pathlib import Path
from typing import Any

from nanoheater.atomic import read_regular_file

MAX_CA_FILE_BYTES = 1 << 20
"""Largest ``sensor_ca_file`` read (a system bundle of every public authority is ~200 kB)."""
MAX_REDIRECTS = 3
"""Redirects followed before the reply counts as a failure."""
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class FetchError(Exception):
    """One HTTP fetch failed; the message is safe to show (no credentials, no raw network text)."""


def redact_url(url: str) -> str:
    """Return ``url`` with its user info and every query value replaced by ``***``.

    >>> redact_url("https://ha:pw@ha.local/api?token=abc&x=1")
    'https://***@ha.local/api?token=***&x=***'
    """
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return "<invalid URL>"
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "***@" + netloc.rpartition("@")[2]
    pairs = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    query = "&".join(f"{key}=***" for key, _ in pairs) if pairs else parts.query and "***"
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def split_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    """Return ``url`` without user info, and the (user, password) it carried, percent-decoded.

    Raises:
        ValueError: the URL cannot be parsed (bad port, bad IPv6 literal, no host).
    """
    parts = urllib.parse.urlsplit(url)
    _ = parts.port  # raises ValueError for a port that is not a number in range
    if not parts.hostname:
        raise ValueError("no host")
    if "@" not in parts.netloc:
        return url, None
    user = urllib.parse.unquote(parts.username or "")
    password = urllib.parse.unquote(parts.password or "")
    netloc = parts.netloc.rpartition("@")[2]
    bare = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
    return bare, (user, password)


def tls_context(ca_file: Path | None) -> ssl.SSLContext:
    """A verifying TLS context: the system's authorities, or only those in ``ca_file``.

    Raises:
        ValueError: ``ca_file`` cannot be read or holds no certificate (one line, safe to show).
    """
    if ca_file is None:
        return ssl.create_default_context()
    try:
        # Read it ourselves, a regular file only: OpenSSL opened a FIFO and blocked start-up
        # for ever (issue 14: every file the user names is input, like config.toml).
        pem = read_regular_file(ca_file, MAX_CA_FILE_BYTES).decode("ascii")
        return ssl.create_default_context(cadata=pem)
    except (OSError, ssl.SSLError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise ValueError(f"cannot use {ca_file} as the sensor's CA file: {reason}") from None


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urllib.parse.urlsplit(url)
    default = 443 if parts.scheme == "https" else 80
    return parts.scheme, (parts.hostname or "").lower(), parts.port or default


async def fetch_json(
    url: str,
    *,
    token: str | None,
    credentials: tuple[str, str] | None,
    max_bytes: int,
    tls: ssl.SSLContext | None = None,
) -> Any:
    """GET ``url`` (no user info in it) and decode its JSON body; the caller bounds the time.

    ``tls`` verifies https servers (``tls_context``; default: the system's authorities).

    Raises:
        FetchError: any failure: connection, HTTP status, redirect policy, size, JSON.
    """
    import aiohttp

    origin = _origin(url)
    authorization = f"Bearer {token}" if token else None
    if credentials is not None:
        pair = f"{credentials[0]}:{credentials[1]}".encode()
        authorization = "Basic " + base64.b64encode(pair).decode("ascii")
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(MAX_REDIRECTS + 1):
                trusted = _origin(url) == origin
                headers = {"Accept": "application/json"}
                if authorization and trusted:
                    headers["Authorization"] = authorization
                get = session.get(url, headers=headers, allow_redirects=False, ssl=tls or True)
                async with get as reply:
                    if reply.status in _REDIRECTS:
                        location = reply.headers.get("Location", "")
                        url = urllib.parse.urljoin(url, location)
                        if not location or not url.startswith(("http://", "https://")):
                            raise FetchError(f"HTTP {reply.status} redirect to a non-HTTP URL")
                        continue
                    if reply.status >= 400:
                        raise FetchError(f"HTTP {reply.status}")
                    body = await _read_capped(reply.content, max_bytes)
                    return json.loads(body)
    except FetchError:
        raise
    except RecursionError:
        raise FetchError("JSON nests too deeply") from None
    except ssl.SSLCertVerificationError:
        # Before ValueError: a certificate error is one too (it read "reply is not JSON").
        raise FetchError("certificate not trusted (see sensor_ca_file)") from None
    except (aiohttp.ClientError, OSError) as exc:
        # The exception text may echo the URL; only its type is shown.
        raise FetchError(f"connection failed ({type(exc).__name__})") from None
    except ValueError:  # JSONDecodeError, UnicodeDecodeError, an unparsable redirect URL
        raise FetchError("reply is not JSON") from None
    raise FetchError(f"more than {MAX_REDIRECTS} redirects")


async def _read_capped(content: Any, max_bytes: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in content.iter_any():
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"reply is over {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
