"""The OpenAPI document against the real routes and the real answers of a running service.

The service is a Home over the simulated fleet (127.0.0.2, .3) behind the real aiohttp API on
127.0.0.1. Every operation of the document is called, and each answer (and each stream message)
is validated with jsonschema against the schema the document gives for it.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi

from firmware_sim.fleet import Fleet
from nanoheater.home import Home, HomeOptions
from nanoheater.service.address import API_PREFIX
from nanoheater.service.api import build_app
from nanoheater.service.openapi import OPERATIONS, document, render
from tests.home.conftest import hosts, options, serving, until

ROOT = Path(__file__).resolve().parents[2]


def _check(value: Any, schema: dict[str, Any]) -> None:
    """Validate ``value`` against ``schema``, whose refs point into the document."""
    root = {**schema, "components": document()["components"]}
    errors = sorted(Draft202012Validator(root).iter_errors(value), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


def _answer_schema(method: str, path: str, status: int) -> dict[str, Any]:
    responses = document()["paths"][API_PREFIX + path][method]["responses"]
    answer = responses[str(status)]
    if "$ref" in answer:
        answer = document()["components"]["responses"][answer["$ref"].rsplit("/", 1)[1]]
    return dict(answer["content"]["application/json"]["schema"])


def test_the_document_is_openapi_31_and_docs_holds_it() -> None:
    """openapi-spec-validator accepts it; docs/openapi.json is exactly what the code builds."""
    validate_openapi(document())
    assert document()["openapi"] == "3.1.0"
    assert (ROOT / "docs" / "openapi.json").read_text() == render(), (
        "docs/openapi.json is stale: python -m nanoheater.service.openapi > docs/openapi.json"
    )


def test_the_checker_rejects_a_wrong_answer() -> None:
    """A missing key, an extra key and a wrong type each fail validation (the test can fail)."""
    zone: dict[str, Any] = {"name": "z", "devices": [], "setpoint_c": None, "target": None,
                            "override": None, "manual_until_s": None, "decision": None,
                            "room": None}  # fmt: skip
    _check(zone, _answer_schema("get", "/zones/{ref}", 200))
    for broken in (
        {k: v for k, v in zone.items() if k != "decision"},
        {**zone, "fit": None},
        {**zone, "devices": "127.0.0.2:4028"},
    ):
        with pytest.raises(AssertionError):
            _check(broken, _answer_schema("get", "/zones/{ref}", 200))


def test_every_route_is_documented_and_every_documented_route_exists(tmp_path: Path) -> None:
    """The application ``serve`` runs has exactly the document's (method, path) pairs."""
    app = build_app(Home(HomeOptions(data_dir=tmp_path / "data")))
    served = {
        (route.method.lower(), route.resource.canonical)
        for route in app.router.routes()
        if route.resource is not None and route.method != "HEAD"
    }
    documented = {(m, p) for p, item in document()["paths"].items() for m in item}
    assert served == documented


class Client:
    """Calls the API, validates each answer (and each accepted body) against the document."""

    def __init__(self, session: aiohttp.ClientSession, api: str) -> None:
        self.session, self.base = session, f"http://{api}{API_PREFIX}"
        self.called: set[tuple[str, str]] = set()

    async def call(
        self, method: str, template: str, path: str | None = None, body: Any = None,
        status: int | None = None, **query: str,
    ) -> Any:  # fmt: skip
        """``method`` on ``path`` (``template`` filled in); the validated JSON answer."""
        url = self.base + (path or template)
        async with self.session.request(method, url, json=body, params=query) as reply:
            data = await reply.json()
            expected = status or int(OPERATIONS[(method, template)][3][0])
            assert reply.status == expected, (method, url, reply.status, data)
            assert reply.content_type == "application/json"
        _check(data, _answer_schema(method, template, reply.status))
        if reply.status < 300:
            self.called.add((method, template))
            operation = document()["paths"][API_PREFIX + template][method]
            if body is not None:  # what the service accepted, the document accepts too
                _check(body, operation["requestBody"]["content"]["application/json"]["schema"])
        return data


async def test_every_operation_answers_as_documented(tmp_path: Path, fleet: Fleet) -> None:
    """Each documented operation, called on a running service, answers its documented schema.

    Zones are made and filled so that a zone carries a target, a decision and an override, and
    the stream's reading, decision and event messages are checked against their schemas too.
    """
    nano, q = hosts(fleet)
    config = tmp_path / "config.toml"
    home = Home(options(tmp_path / "data", fleet, config_file=config))
    components = document()["components"]["schemas"]
    async with serving(home) as api, aiohttp.ClientSession() as session:
        c = Client(session, api)
        stream = asyncio.create_task(_stream_messages(session, api))
        assert (await c.call("get", "/health"))["ready"] is True
        assert await c.call("get", "/openapi.json") == json.loads(render())
        assert len(await c.call("get", "/devices")) == 2
        await c.call("get", "/devices/{ref}", "/devices/127.0.0.3")
        await c.call("put", "/devices/{ref}/name", "/devices/127.0.0.2/name", {"name": "Office"})
        await c.call("get", "/zones")
        await c.call("get", "/zones/{ref}", "/zones/Office")
        await c.call("post", "/zones", body={"name": "living", "devices": ["Office"]})
        await c.call("put", "/zones/{ref}/name", "/zones/living/name", {"name": "lounge"})
        await c.call("post", "/zones/{ref}/devices", "/zones/lounge/devices", {"devices": [q]})
        await c.call("put", "/zones/{ref}/target", "/zones/lounge/target", {"setpoint_c": 21})
        await until(lambda: home.zone("lounge").last_decision is not None)
        zone = await c.call("get", "/zones/{ref}", "/zones/lounge")
        assert zone["decision"] is not None
        window = await c.call("get", "/zones/{ref}/window", "/zones/lounge/window", window="15m")
        assert window["zone"] == "lounge"
        assert window["points"]  # the readings recorded so far
        await c.call("get", "/zones/{ref}/window", "/zones/lounge/window", status=400, window="1y")
        assert zone["target"]["kind"] == "setpoint"
        body = {"action": "fan", "value": "60", "override_s": 600}
        await c.call("post", "/devices/{ref}/command", f"/devices/{q}/command", body)
        zone = await c.call("get", "/zones/{ref}", "/zones/lounge")
        assert zone["override"]["action"] == "fan 60"
        await c.call("post", "/zones/{ref}/resume", "/zones/lounge/resume")
        await c.call("delete", "/zones/{ref}/target", "/zones/lounge/target")
        await c.call("delete", "/zones/{ref}/devices/{device}", f"/zones/lounge/devices/{nano}")
        await c.call("delete", "/zones/{ref}", "/zones/lounge")
        assert await c.call("get", "/events", since="0")
        await c.call("get", "/events", device="127.0.0.3")
        ledger = await c.call("get", "/ledger", since="0")
        assert "energy_kwh" in ledger  # the full form, not only the period
        await c.call("get", "/ledger", device="Office", since="0", until="4102444800")
        # Errors are the Error object with their documented status.
        await c.call("get", "/zones/{ref}", "/zones/attic", status=404)
        await c.call("post", "/zones", body={"devices": []}, status=400)
        await c.call("post", "/devices/{ref}/command", f"/devices/{q}/command",
                     {"action": "explode"}, status=400)  # fmt: skip
        async with session.get(f"http://{api}/metrics") as reply:
            assert reply.status == 200
            assert "text/plain" in reply.headers["Content-Type"]
        messages = await asyncio.wait_for(stream, 10)
    c.called.add(("get", "/stream"))
    assert c.called == set(OPERATIONS), set(OPERATIONS) - c.called
    names = {"reading": "Reading", "decision": "DecisionMade", "event": "HomeEvent"}
    assert set(messages) == set(names)
    for kind, data in messages.items():
        _check(data, components[names[kind]])


async def _stream_messages(session: aiohttp.ClientSession, api: str) -> dict[str, Any]:
    """The first ``reading``, ``decision`` and ``event`` the stream sends, by kind."""
    found: dict[str, Any] = {}
    timeout = aiohttp.ClientTimeout(total=30)
    async with session.get(f"http://{api}{API_PREFIX}/stream", timeout=timeout) as reply:
        assert reply.status == 200
        assert reply.content_type == "text/event-stream"
        kind = ""
        async for raw in reply.content:
            line = raw.decode().rstrip("\n")
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: ") and kind not in found:
                found[kind] = json.loads(line[6:])
                if len(found) == 3:
                    return found
    return found
