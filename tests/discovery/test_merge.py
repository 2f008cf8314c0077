"""Tests for merging discovery findings into one entry per device."""

from __future__ import annotations

import pytest

from nanoheater.discovery import merge_heaters, normalise_dna, normalise_mac, source_label
from nanoheater.models import DiscoveredHeater, DiscoverySource, ModelId

MDNS, PROBE, CONFIG = DiscoverySource.MDNS, DiscoverySource.PROBE, DiscoverySource.CONFIG


def _heater(source: DiscoverySource, host: str = "127.0.0.2", **fields: object) -> DiscoveredHeater:
    return DiscoveredHeater.model_validate(
        {"name": f"{source.value} name", "host": host, "sources": (source,), **fields}
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("e0e1a93f3053", "e0:e1:a9:3f:30:53"),
        ("AA:BB:CC:DD:EE:FF", "aa:bb:cc:dd:ee:ff"),
        ("aa-bb-cc-dd-ee-ff", "aa:bb:cc:dd:ee:ff"),
        ("000000000000", None),
        ("e0e1a93f305", None),
        ("e0e1a93f305g", None),
        ("", None),
        (None, None),
    ],
)
def test_normalise_mac_accepts_both_firmware_spellings(
    raw: str | None, expected: str | None
) -> None:
    """Pins MAC normalisation: lower-case and colon-joined out; junk and zeros give None."""
    assert normalise_mac(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("020100003CBE4D15", "020100003cbe4d15"),
        ("0000000000000000", None),
        ("not-hex-at-all!!", None),
        ("0123", None),
        (None, None),
    ],
)
def test_normalise_dna_drops_the_nano3_zero_dna(raw: str | None, expected: str | None) -> None:
    """Pins DNA normalisation: lower-case hex; the Nano 3's all-zero DNA and junk are None."""
    assert normalise_dna(raw) == expected


def test_merge_heaters_joins_sources_of_one_dna() -> None:
    """Pins that findings sharing a DNA become one entry listing every source in fixed order."""
    merged = merge_heaters(
        [
            _heater(PROBE, dna="020100003cbe4d15", mac="e0:e1:a9:3f:30:53", model=ModelId.NANO3S),
            _heater(CONFIG, dna="020100003cbe4d15"),
            _heater(MDNS, dna="020100003cbe4d15", name="Avalon Nano3s 3053"),
        ]
    )
    assert len(merged) == 1
    (entry,) = merged
    assert entry.sources == (MDNS, PROBE, CONFIG)
    assert source_label(entry) == "mdns,probe,config"
    assert entry.name == "Avalon Nano3s 3053"  # the mDNS instance name wins
    assert entry.model is ModelId.NANO3S
    assert entry.mac == "e0:e1:a9:3f:30:53"


def test_merge_heaters_links_a_mac_only_finding_to_a_dna_one() -> None:
    """Pins that a finding with only a MAC joins the device whose DNA finding carries that MAC."""
    merged = merge_heaters(
        [
            _heater(MDNS, host="127.0.0.9", mac="e0:e1:a9:3f:30:53"),
            _heater(PROBE, dna="020100003cbe4d15", mac="e0:e1:a9:3f:30:53"),
        ]
    )
    assert [(h.dna, h.sources) for h in merged] == [("020100003cbe4d15", (MDNS, PROBE))]
    assert merged[0].host == "127.0.0.2"  # the probed address beats the announced one


def test_merge_heaters_never_keys_by_address() -> None:
    """Pins that two identified devices at one address stay two entries (identity beats IP)."""
    merged = merge_heaters(
        [
            _heater(PROBE, dna="1111111111111111"),
            _heater(MDNS, dna="2222222222222222"),
        ]
    )
    assert sorted(h.dna or "" for h in merged) == ["1111111111111111", "2222222222222222"]


def test_merge_heaters_lists_one_identity_answering_at_two_addresses_twice() -> None:
    """Pins (issue 14): one DNA answering at two probed addresses is a clone or a conflict.

    Both answered, so neither is a stale address: merging them hid one device from discover.
    """
    merged = merge_heaters(
        [
            _heater(CONFIG, host="127.0.0.50", dna="1111111111111111"),
            _heater(PROBE, host="127.0.0.7", dna="1111111111111111"),
        ]
    )
    assert [(h.host, h.sources) for h in merged] == [
        ("127.0.0.7", (PROBE,)),
        ("127.0.0.50", (CONFIG,)),
    ]


def test_merge_heaters_folds_an_anonymous_finding_into_the_device_at_its_address() -> None:
    """Pins that a finding without DNA or MAC joins the one identified device at its host:port."""
    merged = merge_heaters(
        [
            _heater(PROBE, model=ModelId.NANO3),
            _heater(MDNS, mac="e0:e1:a9:3f:30:53"),
        ]
    )
    assert len(merged) == 1
    assert merged[0].sources == (MDNS, PROBE)
    assert merged[0].model is ModelId.NANO3
    assert merged[0].mac == "e0:e1:a9:3f:30:53"


def test_merge_heaters_keeps_anonymous_findings_apart_by_address() -> None:
    """Pins that anonymous findings merge only with anonymous findings at the same host:port."""
    merged = merge_heaters(
        [
            _heater(PROBE, host="127.0.0.3"),
            _heater(CONFIG, host="127.0.0.3"),
            _heater(PROBE, host="127.0.0.4"),
            _heater(PROBE, host="127.0.0.4", port=4029),
        ]
    )
    assert [(h.host, h.port, h.sources) for h in merged] == [
        ("127.0.0.3", 4028, (PROBE, CONFIG)),
        ("127.0.0.4", 4028, (PROBE,)),
        ("127.0.0.4", 4029, (PROBE,)),
    ]


def test_merge_heaters_sorts_addresses_numerically() -> None:
    """Pins the output order: IP addresses numerically (127.0.0.10 after .9), names after them."""
    merged = merge_heaters(
        [
            _heater(CONFIG, host="heater.lan", dna="3333333333333333"),
            _heater(PROBE, host="127.0.0.10", dna="1111111111111111"),
            _heater(PROBE, host="127.0.0.9", dna="2222222222222222"),
        ]
    )
    assert [h.host for h in merged] == ["127.0.0.9", "127.0.0.10", "heater.lan"]


def test_merge_heaters_of_nothing_is_empty() -> None:
    """Pins that no findings merge to an empty list."""
    assert merge_heaters([]) == []
