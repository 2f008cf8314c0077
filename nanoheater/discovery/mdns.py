"""Provides the mDNS (DNS-SD) half of discovery: browse a service type, resolve, report heaters.

Real Avalon firmware advertises nothing (docs/protocol.md §3); what answers here is the simulator's
optional advertisement, or any host the user's avahi announces the same way: service type
``_avalon-miner._tcp.local.``, instance ``<Product> <mac last 4>``, TXT keys ``model``, ``mac``,
``dna`` and ``firmware``, port = the API port. Every TXT value and the instance name come from
the network, so they are decoded with replacement, stripped of control and escape sequences and
length-capped before they reach a model (house style 2.6).

The ``AsyncZeroconf`` is injected when the caller already runs one (the TUI, tests inside the
private network namespace); this module closes only an instance it created itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from nanoheater.const import DEFAULT_TCP_PORT, MDNS_SERVICE_TYPE
from nanoheater.discovery.probe import ProbeTarget, probe_host
from nanoheater.models import DiscoveredHeater, DiscoverySource, ModelId
from nanoheater.protocol.parse import normalise_dna, normalise_mac
from nanoheater.protocol.sanitize import sanitize, sanitize_optional

if TYPE_CHECKING:
    from zeroconf import ServiceStateChange, Zeroconf
    from zeroconf.asyncio import AsyncZeroconf

_LOGGER = logging.getLogger(__name__)

MAX_NAME_CHARS = 64
"""Longest instance name kept; DNS-SD allows 63 bytes, so this only trims hostile input."""
MAX_TXT_CHARS = 64
MAX_MDNS_SERVICES = 64
"""Most services one browse resolves (and confirms): 1000 adverts once added 280 devices."""
CONFIRM_TIMEOUT_S = 2.0
"""Deadline of the ``version`` request that confirms an advertised identity."""
"""Longest TXT value kept: DNA is 16-32 hex digits, firmware strings about 20 characters."""
RESOLVE_SLICE_MS = 100
"""How long one resolve attempt waits before looking in the cache again (see ``browse_mdns``)."""
TXT_KEYS = frozenset({"model", "mac", "dna", "firmware"})
"""The TXT keys the advertisement carries; any other key is ignored."""


def heater_from_service(
    name: str,
    service_type: str,
    addresses: list[str],
    port: int | None,
    properties: Mapping[bytes, bytes | None],
) -> DiscoveredHeater | None:
    """Build a heater from one resolved service, sanitising everything; None if it has no address.

    Args:
        name: The full service name, ``<instance>.<service_type>``.
        service_type: The browsed type, stripped from ``name`` to get the instance.
        addresses: Resolved addresses, IPv4 first; the first is used.
        port: SRV port; the default API port when missing.
        properties: Raw TXT records as zeroconf returns them.
    """
    if not addresses:
        return None
    instance = name[: -len(service_type) - 1] if name.endswith("." + service_type) else name
    txt: dict[str, str] = {}
    for raw_key, raw_value in properties.items():
        # Keys are matched exactly, never cleaned: a hostile "\x1bmodel" must not become "model".
        key = raw_key.decode("ascii", errors="replace").lower()
        value = sanitize_optional(raw_value, MAX_TXT_CHARS)
        if key in TXT_KEYS and value is not None:
            txt[key] = value
    try:
        model: ModelId | None = ModelId(txt.get("model", "").lower())
    except ValueError:
        model = None
    return DiscoveredHeater(
        name=sanitize(instance, MAX_NAME_CHARS) or "unnamed",
        host=addresses[0],
        port=port or DEFAULT_TCP_PORT,
        model=model,
        mac=normalise_mac(txt.get("mac")),
        dna=normalise_dna(txt.get("dna")),
        sources=(DiscoverySource.MDNS,),
    )


async def confirm(heater: DiscoveredHeater) -> DiscoveredHeater:
    """Ask the advertised address for ``version``: identity comes from the API, not the TXT.

    An advertisement is a claim anyone on the LAN can make; one carrying a configured heater's
    MAC once moved that heater's row to the advertiser (issue 14). Confirmed, the finding takes
    the MAC, DNA and model the device itself reports; unconfirmed (nothing answers there), it
    keeps its name and address but no identity, so it can never merge with another device.
    """
    target = ProbeTarget(heater.host, heater.port, heater.sources)
    answered = await probe_host(target, timeout_s=CONFIRM_TIMEOUT_S)
    if answered is None:
        return heater.model_copy(update={"mac": None, "dna": None, "model": None})
    if answered.mac is None and answered.dna is None and answered.model in (None, heater.model):
        # The Nano 3 reports neither in ``version``: an Avalon of the advertised model answers
        # there, which is as far as the API can confirm the advertisement's identity.
        return heater
    update = {"mac": answered.mac, "dna": answered.dna, "model": answered.model or heater.model}
    return heater.model_copy(update=update)


async def browse_mdns(
    found: Callable[[DiscoveredHeater], None],
    *,
    timeout_s: float,
    zeroconf: AsyncZeroconf | None = None,
    service_type: str = MDNS_SERVICE_TYPE,
) -> None:
    """Browse ``service_type`` for ``timeout_s`` seconds; call ``found`` once per resolved service.

    Args:
        found: Called with each heater as soon as its service resolves.
        timeout_s: How long to listen; mDNS has no "that was everyone", so this is the window.
        zeroconf: An instance to use (and leave open); when None one is created and closed here.
        service_type: The DNS-SD type to browse.
    """
    # zeroconf is imported here so that importing the library (or the CLI for other commands)
    # never loads it; only a discovery run that browses pays for it.
    from zeroconf import DNSQuestionType, IPVersion, ServiceStateChange
    from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo
    from zeroconf.asyncio import AsyncZeroconf as _AsyncZeroconf

    if zeroconf is not None:
        aiozc = zeroconf
    else:
        try:
            aiozc = _AsyncZeroconf()
        except (OSError, RuntimeError) as exc:
            # No usable interface (zeroconf raises RuntimeError for "no interfaces"): the other
            # discovery means still run, so say why mDNS found nothing instead of failing.
            _LOGGER.warning("mDNS browsing unavailable: %s", exc)
            return
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    resolving: set[asyncio.Task[None]] = set()
    seen: set[str] = set()

    async def resolve(name: str) -> None:
        info = AsyncServiceInfo(service_type, name)
        # Ask in short slices: each async_request first reloads from the cache. python-zeroconf
        # hands a packet's records to a waiting ServiceInfo before caching them, so an address
        # record that precedes its SRV in one packet is missed until the next answer, which a
        # responder rate-limits to once a second (RFC 6762 §6); the cache already holds it.
        while True:
            remaining_ms = int((deadline - loop.time()) * 1000)
            if remaining_ms <= 0:
                _LOGGER.debug("mDNS service %r did not resolve in time", name)
                return
            slice_ms = min(remaining_ms, RESOLVE_SLICE_MS)
            if await info.async_request(aiozc.zeroconf, slice_ms, DNSQuestionType.QM):
                break
        addresses = info.parsed_addresses(IPVersion.V4Only) or info.parsed_addresses()
        heater = heater_from_service(name, service_type, addresses, info.port, info.properties)
        if heater is not None:
            found(await confirm(heater))

    def finished(task: asyncio.Task[None]) -> None:
        resolving.discard(task)
        # A resolve task is nobody's awaitable; surface its failure in the log, not at GC time.
        # One sanitised line, no traceback: zeroconf's exception text embeds the (hostile)
        # instance name, escape sequences and all.
        if not task.cancelled() and (exc := task.exception()) is not None:
            _LOGGER.warning(
                "mDNS resolve failed: %s: %s", type(exc).__name__, sanitize(str(exc), 120)
            )

    def on_change(
        zeroconf: Zeroconf, service_type: str, name: str, state_change: ServiceStateChange
    ) -> None:
        # Only the first sighting matters; later TXT updates of a listed device are ignored.
        if state_change is ServiceStateChange.Removed or name in seen:
            return
        if len(seen) >= MAX_MDNS_SERVICES:
            if len(seen) == MAX_MDNS_SERVICES:
                seen.add("")  # warn once per browse
                _LOGGER.warning(
                    "mDNS: more than %d services advertised; ignoring the rest", MAX_MDNS_SERVICES
                )
            return
        seen.add(name)
        task = loop.create_task(resolve(name))
        resolving.add(task)
        task.add_done_callback(finished)

    # QM (multicast-answer) questions from the start: zeroconf's default first question is QU,
    # whose unicast answers go to whichever socket on this host holds port 5353 (an avahi daemon,
    # another zeroconf process), so some answers never reach us and wait for the next query.
    browser = AsyncServiceBrowser(
        aiozc.zeroconf, service_type, handlers=[on_change], question_type=DNSQuestionType.QM
    )
    try:
        await asyncio.sleep(max(deadline - loop.time(), 0))
    finally:
        await browser.async_cancel()
        if resolving:
            # A service resolved just before the deadline is still being confirmed: let it end.
            await asyncio.wait(list(resolving), timeout=CONFIRM_TIMEOUT_S)
        for task in list(resolving):
            task.cancel()
        for task in list(resolving):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if zeroconf is None:
            await aiozc.async_close()
