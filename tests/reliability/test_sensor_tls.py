"""The HTTP room sensor over real TLS on loopback: trusted by its CA file, never downgraded.

Issue 14: the bearer token followed redirects to other hosts and to plain http.

A self-signed certificate for 127.0.0.1 is made with the ``openssl`` CLI. The server answers
TLS and plain HTTP on the same port (it peeks at the first byte: 0x16 starts a TLS handshake),
so a redirect from ``https://127.0.0.1:P/`` to ``http://127.0.0.1:P/`` differs from its origin
by the scheme alone, and the plain request it receives shows exactly what the sensor sent in the
clear. The bearer token and URL credentials must reach only the TLS requests; a same-origin
https redirect keeps them; the certificate is verified (trusted through the documented
``sensor_ca_file`` setting, refused without it).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from nanoheater.config import Settings
from nanoheater.controller.build import ZoneChoices, zone_sensor
from nanoheater.controller.sensors import HttpJsonSensor, SensorError
from nanoheater.controller.targets import Schedule
from nanoheater.exceptions import UsageError
from tests.reliability.test_hostile_sensors import PASSWORD, TOKEN, http_reply

Reply = Callable[[str, bytes], bytes]
"""(scheme, request head) -> the reply bytes."""


@dataclass
class Seen:
    """What the server received: (scheme, request head) per request."""

    requests: list[tuple[str, bytes]] = field(default_factory=list)

    def heads(self, scheme: str) -> list[bytes]:
        return [head for s, head in self.requests if s == scheme]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate (and key) for IP 127.0.0.1, valid for a day."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.fail("the openssl CLI is needed to make the test's certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "sensor.pem", folder / "sensor.key"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    return cert, key


@contextlib.contextmanager
def dual_server(certificate: tuple[Path, Path], reply: Reply) -> Iterator[tuple[int, Seen]]:
    """TLS and plain HTTP on one loopback port, each connection in a thread of its own."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*map(str, certificate))
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    seen = Seen()
    stop = threading.Event()

    def handle(conn: socket.socket) -> None:
        conn.settimeout(5.0)
        with contextlib.suppress(OSError), conn:
            scheme = "https" if conn.recv(1, socket.MSG_PEEK) == b"\x16" else "http"
            if scheme == "http":
                serve(conn, scheme)
                return
            with context.wrap_socket(conn, server_side=True, do_handshake_on_connect=False) as tls:
                tls.do_handshake()
                serve(tls, scheme)

    def serve(stream: socket.socket, scheme: str) -> None:
        head = b""
        while b"\r\n\r\n" not in head and len(head) < 65536:
            chunk = stream.recv(4096)
            if not chunk:
                return
            head += chunk
        seen.requests.append((scheme, head))
        stream.sendall(reply(scheme, head))

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield listener.getsockname()[1], seen
    finally:
        stop.set()
        acceptor.join(5.0)
        listener.close()


def _authorised(head: bytes) -> bool:
    return b"authorization:" in head.lower()


async def test_a_redirect_from_https_to_http_never_carries_the_token_or_password(
    certificate: tuple[Path, Path],
) -> None:
    """Pins: https -> http on the same host and port: the plain request has no Authorization."""
    cert, _ = certificate

    def reply(scheme: str, head: bytes) -> bytes:
        if scheme == "https":  # the configured origin sends the reader to plain http
            host = head.split(b"\r\nHost: ", 1)[1].split(b"\r\n", 1)[0].decode()
            return http_reply(b"", "302 Found", f"Location: http://{host}/plain\r\n")
        return http_reply(b'{"state": "20.5"}')

    with dual_server(certificate, reply) as (port, seen):
        for url, token in (
            (f"https://127.0.0.1:{port}/api/states/sensor.room", TOKEN),
            (f"https://ha:{PASSWORD}@127.0.0.1:{port}/api/states/sensor.room", None),
        ):
            sensor = HttpJsonSensor(url, token, ca_file=cert)
            assert (await sensor.read(1.0)).temp_c == 20.5
    secure, plain = seen.heads("https"), seen.heads("http")
    assert len(secure) == 2
    assert len(plain) == 2, "the redirect was followed, over plain http"
    assert f"Bearer {TOKEN}".encode() in secure[0]
    assert b"Basic " in secure[1]
    for head in plain:
        assert not _authorised(head), head
        assert TOKEN.encode() not in head
        assert PASSWORD.encode() not in head


async def test_a_same_origin_https_redirect_keeps_the_token(
    certificate: tuple[Path, Path],
) -> None:
    """Pins: https://127.0.0.1:P/old -> /new (same origin) sends the token again and reads."""
    cert, _ = certificate

    def reply(scheme: str, head: bytes) -> bytes:
        if head.startswith(b"GET /old"):
            return http_reply(b"", "301 Moved Permanently", "Location: /new\r\n")
        if f"Bearer {TOKEN}".encode() in head and scheme == "https":
            return http_reply(b'{"state": "19.0"}')
        return http_reply(b"", "401 Unauthorized")

    with dual_server(certificate, reply) as (port, seen):
        sensor = HttpJsonSensor(f"https://127.0.0.1:{port}/old", TOKEN, ca_file=cert)
        assert (await sensor.read(1.0)).temp_c == 19.0
    assert [scheme for scheme, _ in seen.requests] == ["https", "https"]
    assert all(f"Bearer {TOKEN}".encode() in head for _, head in seen.requests)


async def test_the_certificate_is_verified_and_trusted_through_the_settings(
    certificate: tuple[Path, Path], tmp_path: Path
) -> None:
    """Pins: a self-signed sensor is refused by default, read with ``sensor_ca_file`` set."""
    cert, _ = certificate

    def reply(scheme: str, head: bytes) -> bytes:
        return http_reply(b'{"state": "21.0"}')

    with dual_server(certificate, reply) as (port, seen):
        url = f"https://127.0.0.1:{port}/s"
        with pytest.raises(SensorError, match="certificate not trusted") as info:
            await HttpJsonSensor(url, TOKEN).read(1.0)
        assert TOKEN not in str(info.value)
        settings = Settings(sensors=(url,), sensor_ca_file=cert)
        choices = ZoneChoices(Schedule(default=None), sensor_token=TOKEN)
        sensor = zone_sensor([], settings, choices)
        assert sensor is not None
        assert (await sensor.read(1.0)).temp_c == 21.0
    assert not seen.heads("http")
    assert len(seen.heads("https")) == 1, "the refused handshake sent no request"
    for bad in (tmp_path / "missing.pem", Path(__file__)):
        with pytest.raises(UsageError, match="CA file"):
            HttpJsonSensor(url, TOKEN, ca_file=bad)


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_a_ca_file_that_is_not_a_regular_file_is_refused_at_once(tmp_path: Path, kind: str) -> None:
    """Pins: a FIFO as ``sensor_ca_file`` blocked the sensor's set-up (and start-up) for ever.

    Built in a daemon thread so that a hang fails the test instead of hanging the run.
    """
    bad = tmp_path / "ca.pem"
    if kind == "fifo":
        os.mkfifo(bad)
    else:
        bad.symlink_to("/dev/zero")
    outcome: list[str] = []

    def build() -> None:
        try:
            HttpJsonSensor("https://127.0.0.1:9/s", TOKEN, ca_file=bad)
        except UsageError as exc:
            outcome.append(str(exc))

    worker = threading.Thread(target=build, daemon=True)
    worker.start()
    worker.join(timeout=5.0)
    assert not worker.is_alive(), "building the sensor blocked on the CA file"
    assert len(outcome) == 1
    assert "CA file" in outcome[0]
