"""Settings to controllers: only explicit settings override tuned defaults; quiet hours."""

from __future__ import annotations

from datetime import UTC, datetime

from nanoheater.config import ControllerSettings, QuietHoursSettings
from nanoheater.controller.bangbang import BangBang
from nanoheater.controller.configure import controller_from_settings, quiet_from_settings
from nanoheater.controller.pi import PI
from nanoheater.controller.staged import Staged
from nanoheater.controller.targets import Schedule
from tests.controller.ladders import MINI3, NANO3S


def test_unset_settings_keep_the_tuned_defaults() -> None:
    """Config defaults (PI Kp 400, bang-bang 0.5 K) do not replace the controllers' own."""
    pi = controller_from_settings("pi", ControllerSettings(), 20.0)(MINI3)
    bb = controller_from_settings("bang-bang", ControllerSettings(), None)(MINI3)
    assert isinstance(pi, PI)
    assert pi.kp_w_k == 200.0
    assert isinstance(bb, BangBang)
    assert bb.cold_tolerance_k == 0.3


def test_explicit_settings_win() -> None:
    """Values the user set reach the controller they belong to, and only that one."""
    ctl = ControllerSettings(pi_kp_w_per_k=300.0, bang_bang_tolerance_k=0.5, min_dwell_s=900.0)
    pi = controller_from_settings("pi", ctl, 20.0)(MINI3)
    bb = controller_from_settings("bang-bang", ctl, None)(MINI3)
    st = controller_from_settings("staged", ctl, 20.0)(MINI3)
    assert isinstance(pi, PI)
    assert pi.kp_w_k == 300.0
    assert isinstance(bb, BangBang)
    assert bb.hot_tolerance_k == bb.cold_tolerance_k == 0.5
    assert isinstance(st, Staged)
    assert st.dwell_s == 900.0
    assert st.band_k == 0.3


def test_config_quiet_hours_cap_each_device() -> None:
    """A 22-07 h window at 0 W holds each device at its lowest profile (zone total 470 W)."""
    window = quiet_from_settings(QuietHoursSettings(), [MINI3, NANO3S])
    assert window.max_power_w == 400.0 + 70.0
    sched = Schedule(quiet=(window,))
    night = datetime(2025, 12, 2, 23, 0, tzinfo=UTC)
    noon = datetime(2025, 12, 2, 12, 0, tzinfo=UTC)
    assert sched.caps_at(MINI3, night).high == 1  # Night 400 W fits, Eco does not
    assert sched.caps_at(MINI3, noon).high == MINI3.top


def test_all_day_quiet_hours_cover_every_minute() -> None:
    """Quiet hours from 0 to 24 are active all day, including the last minute before midnight."""
    window = quiet_from_settings(QuietHoursSettings(start_hour=0, end_hour=24), [MINI3])
    for hour, minute, second in [(0, 0, 0), (12, 0, 0), (23, 59, 0), (23, 59, 59)]:
        assert window.active(datetime(2025, 12, 2, hour, minute, second, tzinfo=UTC))


def test_empty_quiet_window_is_never_active() -> None:
    """Equal start and end hours (other than 0-24) make an empty window."""
    window = quiet_from_settings(QuietHoursSettings(start_hour=7, end_hour=7), [MINI3])
    assert not window.active(datetime(2025, 12, 2, 7, 0, tzinfo=UTC))
    assert not window.active(datetime(2025, 12, 2, 19, 0, tzinfo=UTC))
