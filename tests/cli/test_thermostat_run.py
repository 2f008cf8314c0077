"""The thermostat's run over a real one-zone Home: the quit summary names every device."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nanoheater.cli.thermostat_run import ZONE, leave_and_report
from nanoheater.home import Home, HomeOptions, Target


@pytest.mark.parametrize("as_json", [False, True])
async def test_a_device_never_read_still_gets_its_exit_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], as_json: bool
) -> None:
    """A device that never answered was never driven: its exit line says it was left as it was."""
    home = Home(
        HomeOptions(
            data_dir=tmp_path,
            zones={ZONE: ("127.0.0.1:9",)},  # nothing listens on the discard port here
            poll_interval_s=0.2,
            control_interval_s=0.2,
            timeout_s=0.5,
            history=False,
            persist=False,
            backstops=False,
        )
    )
    await home.start()
    await home.set_target(ZONE, Target("setpoint", setpoint_c=21.0))
    await leave_and_report(home, "lowest", 0.0, as_json)
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1, out
    if as_json:
        record = json.loads(out[0])
        assert record["exit"] == "127.0.0.1:9"
        assert record["left"] == "unknown"
        assert record["result"] == "unread"
    else:
        assert out[0].startswith("exit: 127.0.0.1:9 (unknown model): left at unknown")
        assert "left as it was" in out[0]
