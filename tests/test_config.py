"""Settings file: defaults, precedence, atomic writes, and never losing a broken file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from nanoheater.config import (
    ConfigError,
    QuietHoursSettings,
    Settings,
    config_path,
    data_dir,
    load_settings,
    save_settings,
)
from nanoheater.economics.market import MarketSettings
from nanoheater.economics.tariff import Tariff, TouPeriod
from nanoheater.exceptions import UsageError


def _write(text: str | bytes) -> Path:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, str):
        text = text.encode()
    path.write_bytes(text)
    return path


def test_folders_come_from_the_environment(isolated_dirs: Path) -> None:
    """NANOHEATER_CONFIG_DIR and NANOHEATER_DATA_DIR choose the folders."""
    assert config_path() == isolated_dirs / "config" / "config.toml"
    assert data_dir() == isolated_dirs / "data"


def test_missing_file_gives_physics_defaults() -> None:
    """No config.toml: §6.3 defaults (tariff $0.17, COP 3, gas $1.50 at 92 %, 150 T, $100k)."""
    loaded = load_settings()
    settings = loaded.settings
    assert loaded.notice is None
    assert settings.tariff.price_fiat_per_kwh == 0.17
    assert settings.heat.heat_pump_cop == 3.0
    fuel = settings.heat.to_fuel()
    assert (fuel.name, fuel.price_fiat_per_unit, fuel.efficiency, fuel.btu_per_unit) == (
        "gas",
        1.5,
        0.92,
        100_000.0,
    )
    assert (settings.market.difficulty, settings.market.btc_price_fiat) == (150e12, 100_000.0)
    assert not config_path().exists()


def test_file_values_and_env_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    """The file sets values; NANOHEATER_<SECTION>__<FIELD> beats the file; others keep defaults."""
    _write('hosts = ["10.0.0.5", "nano.local:4029"]\n[tariff]\nprice_fiat_per_kwh = 0.25\n')
    assert load_settings().settings.tariff.price_fiat_per_kwh == 0.25
    monkeypatch.setenv("NANOHEATER_TARIFF__PRICE_FIAT_PER_KWH", "0.31")
    settings = load_settings().settings
    assert settings.tariff.price_fiat_per_kwh == 0.31
    assert settings.hosts == ("10.0.0.5", "nano.local:4029")
    assert settings.tariff.currency == "USD"


def test_save_and_load_round_trip() -> None:
    """Every section survives a write and a read, including TOU periods and quiet hours."""
    original = Settings(
        hosts=("192.168.1.20",),
        sensors=("file:/tmp/room",),
        tariff=Tariff(
            price_fiat_per_kwh=0.3,
            currency="EUR",
            periods=(TouPeriod(start_hour=17, end_hour=20, price_fiat_per_kwh=0.5, name="peak"),),
            timezone="Europe/Berlin",
        ),
        market=MarketSettings(currency="EUR", btc_price_fiat=90_000.0, live=False),
    )
    original = original.model_copy(
        update={"caps": original.caps.model_copy(update={"quiet_hours": QuietHoursSettings()})}
    )
    path = save_settings(original)
    assert load_settings().settings == original
    assert "price_fiat_per_kwh = 0.3" in path.read_text()
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


def test_save_keeps_a_value_the_user_wrote_even_when_it_equals_the_default() -> None:
    """A key the user wrote (here a default value) survives a save; untouched defaults stay out."""
    path = _write("[controller]\npi_kp_w_per_k = 400.0\n")
    loaded = load_settings().settings
    save_settings(loaded.model_copy(update={"hosts": ("192.168.1.21",)}))
    text = path.read_text()
    assert "pi_kp_w_per_k = 400.0" in text
    assert "192.168.1.21" in text
    assert "bang_bang_tolerance_k" not in text
    assert load_settings().settings.controller.pi_kp_w_per_k == 400.0


def test_corrupt_toml_is_kept_and_reported_in_one_line() -> None:
    """Broken TOML: a one-line UsageError naming file and line; file untouched; one backup copy."""
    bad = b'hosts = ["a"\n[tariff\nprice = 1\n'
    path = _write(bad)
    with pytest.raises(ConfigError) as info:
        load_settings()
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message
    assert "line" in message
    assert info.value.exit_code == 2
    assert isinstance(info.value, UsageError)
    assert path.read_bytes() == bad
    backup = info.value.backup
    assert backup is not None
    assert backup.read_bytes() == bad
    assert str(backup) in message
    with pytest.raises(ConfigError) as again:
        load_settings()
    assert again.value.backup == backup  # the same broken file is not copied twice
    assert len(list(path.parent.glob("config.toml.bad-*"))) == 1


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("[market]\ndifficulty = -1\n", "market.difficulty"),
        ("[tariff]\nprise = 0.2\n", "tariff.prise"),
        ('[heat]\nfuel = "coal"\n', "heat.fuel"),
        ('[history]\nseason_start = "13-01"\n', "history.season_start"),
        ('[tariff]\ncurrency = "EUR"\n', "must equal tariff.currency"),
        ('[names]\n"bad host!" = "Q"\n', "names"),
        ('[names]\n"10.0.0.5" = "a\\u001bb"\n', "names"),
    ],
)
def test_invalid_values_name_the_field(text: str, where: str) -> None:
    """Valid TOML with a bad value or an unknown key names the offending field."""
    _write(text)
    with pytest.raises(ConfigError, match=where):
        load_settings()


def test_device_names_are_keyed_as_the_tui_keys_devices() -> None:
    """A name written under "host" is found under "host:4028", the TUI's key for it."""
    _write('[names]\n"10.0.0.5" = "Living room Q"\n"10.0.0.6:4029" = "Attic"\n')
    names = load_settings().settings.device_names()
    assert names == {"10.0.0.5:4028": "Living room Q", "10.0.0.6:4029": "Attic"}


def test_not_utf8_is_a_clear_error() -> None:
    """A binary file is reported as not UTF-8 text, and kept."""
    path = _write(b"\xff\xfe\x00garbage")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_settings()
    assert path.exists()


def test_defaults_on_request_keep_the_bad_file() -> None:
    """Asked to continue, the loader returns defaults with a one-line notice; the file stays."""
    bad = b"this is not toml"
    path = _write(bad)
    loaded = load_settings(defaults_on_error=True)
    assert loaded.settings == Settings()
    assert loaded.backup is not None
    assert loaded.backup.read_bytes() == bad
    assert path.read_bytes() == bad
    assert loaded.notice is not None
    assert "\n" not in loaded.notice
    assert str(loaded.backup) in loaded.notice
    assert load_settings(defaults_on_error=True).backup == loaded.backup  # no second copy
    save_settings(Settings(hosts=("10.0.0.3",)))
    assert [b.read_bytes() for b in path.parent.glob("config.toml.bad-*")] == [bad]


def test_saving_over_a_broken_file_backs_it_up_first() -> None:
    """Writing settings never destroys a file the user may still want."""
    path = _write(b"[[[ broken")
    save_settings(Settings(hosts=("10.0.0.9",)))
    backups = list(path.parent.glob("config.toml.bad-*"))
    assert [b.read_bytes() for b in backups] == [b"[[[ broken"]
    assert load_settings().settings.hosts == ("10.0.0.9",)


def test_interrupted_write_keeps_the_old_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """If the rename never happens, the old file is intact and no temp file is left."""
    path = save_settings(Settings(hosts=("10.0.0.1",)))
    before = path.read_bytes()

    def boom(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        save_settings(Settings(hosts=("10.0.0.2",)))
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["config.toml"]


def test_bad_environment_value_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bad NANOHEATER_* value is reported, not ignored."""
    monkeypatch.setenv("NANOHEATER_MARKET__POOL_FEE", "1.5")
    with pytest.raises(UsageError, match=r"environment: market\.pool_fee"):
        load_settings()
    path = _write("[market]\npool_fee = 0.01\n")
    with pytest.raises(UsageError, match=r"environment: market\.pool_fee") as info:
        load_settings()
    assert not isinstance(info.value, ConfigError)  # the good file is not blamed or copied
    assert list(path.parent.glob("*.bad-*")) == []


def test_config_path_that_is_a_folder_is_an_error() -> None:
    """A folder where config.toml should be is reported in one line and left alone."""
    path = config_path()
    path.mkdir(parents=True)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert info.value.backup is None
    assert "\n" not in str(info.value)
    assert path.is_dir()


WRITER = """
import sys
from nanoheater.config import Settings, save_settings
i = 0
while True:
    save_settings(Settings(hosts=(f"10.0.{i // 256 % 256}.{i % 256}",)))
    print(i, flush=True)  # printed only after the rename returned
    i += 1
"""


def test_killed_writer_leaves_a_whole_config() -> None:
    """SIGKILL while saving in a loop: config.toml parses and holds the last or a later save."""
    root = Path(__file__).resolve().parents[2]
    env = os.environ | {"PYTHONPATH": str(root)}
    with subprocess.Popen(
        [sys.executable, "-c", WRITER], stdout=subprocess.PIPE, text=True, env=env
    ) as proc:
        assert proc.stdout is not None
        saved = [int(proc.stdout.readline()) for _ in range(60)]
        os.kill(proc.pid, signal.SIGKILL)
        saved += [int(line) for line in proc.stdout.read().split()]
        proc.wait()
    (host,) = load_settings().settings.hosts
    third, fourth = (int(part) for part in host.split(".")[2:])
    assert third * 256 + fourth in (saved[-1], saved[-1] + 1)
    assert list(config_path().parent.glob("*.bad-*")) == []


def test_a_malformed_host_entry_is_skipped_with_one_line() -> None:
    """A bad ``hosts`` entry is named (sanitised) in one line and skipped; the rest load."""
    _write('hosts = ["10.0.0.5", "bad host!\\u001b[2J", 42, "127.0.0.1:' + "9" * 5000 + '"]\n')
    loaded = load_settings()
    assert loaded.settings.hosts == ("10.0.0.5",)
    assert loaded.notice is not None
    assert "\n" not in loaded.notice
    assert "\x1b" not in loaded.notice
    assert "skipping 3 malformed host entries" in loaded.notice
    assert "bad host!" in loaded.notice
    assert len(loaded.notice) < 400
    # The settings model stays strict: the TUI's form refuses a bad host typed by the user.
    with pytest.raises(ValidationError, match="hosts"):
        Settings(hosts=("bad host!",))
