"""pyasic 0.79.0, a client nobody here wrote, identifies and reads every simulated model.

pyasic's factory hard-codes port 4028 (``_socket_ping``, ``send_api_command``) and also probes
HTTP 80/443 and 4433, so each simulator listens on 127.0.0.x:4028 with its own loopback address;
the probes to the other ports are refused on loopback. ``get_data`` then sends one JSON join
(``version+devs+estats+stats+pools``), which is what the simulator must answer like the firmware.
"""

from __future__ import annotations

import ipaddress
import signal
import subprocess
import sys
import time
import warnings

import pytest

from firmware_sim.clock import VirtualClock
from firmware_sim.device import SimulatedHeater, create_heater
from firmware_sim.profile import load_profile
from firmware_sim.server import SimServer
from firmware_sim.view import CGMINER_START_S
from tests.thirdparty import (
    AvalonMiner,
    CGMinerAvalonMini3,
    CGMinerAvalonNano3,
    CGMinerAvalonNano3s,
    CGMinerAvalonQHome,
    get_miner,
)

CASES = [
    ("nano3s", "127.0.0.41", CGMinerAvalonNano3s),
    ("nano3", "127.0.0.42", CGMinerAvalonNano3),
    ("mini3", "127.0.0.43", CGMinerAvalonMini3),
    ("q", "127.0.0.44", CGMinerAvalonQHome),
]


def running_heater(model: str) -> SimulatedHeater:
    heater = create_heater(model)
    clock = heater.world.clock
    assert isinstance(clock, VirtualClock)
    clock.advance(3600.0)  # an hour of mining; the clock then stands still for the test
    heater.world.sync()
    return heater


@pytest.mark.parametrize(("model", "host", "cls"), CASES, ids=[c[0] for c in CASES])
async def test_pyasic_reads_simulated_model(model: str, host: str, cls: type) -> None:
    """get_miner picks the model's class; get_data matches the simulator's state."""
    assert ipaddress.ip_address(host).is_loopback
    heater = running_heater(model)
    st = heater.state
    async with SimServer(heater, host=host, port=4028) as sim:
        assert (sim.host, sim.port) == (host, 4028)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            miner = await get_miner(sim.host)
            assert type(miner) is cls
            assert isinstance(miner, AvalonMiner)
            data = await miner.get_data()

    assert st.hashrate_ghs > 0
    # The live rate: devs "MHS 1m" (MH/s), or estats GHSspd on the Nano 3S; both print %.2f.
    assert data.raw_hashrate is not None
    assert float(data.raw_hashrate) == pytest.approx(st.hashrate_ghs / 1000.0, abs=1e-5)
    # pyasic's headline figure sums the boards: MGHS (the average since start), or GHSspd.
    elapsed_s = heater.now() - st.boot_time_s - CGMINER_START_S
    board_ghs = st.hashrate_ghs if model == "nano3s" else st.total_mh / 1000.0 / elapsed_s
    assert data.hashrate is not None
    assert float(data.hashrate) == pytest.approx(board_ghs / 1000.0, abs=1e-5)
    mode = heater.profile.modes[st.mode_index]
    assert data.wattage_limit == mode.mpo_w
    if model == "nano3s":
        assert data.wattage == round(st.power_w)  # PS[6]
    else:
        # pyasic 0.79 reads WALLPOWER for these, a key only the A-series firmware prints.
        assert data.wattage is None
    board = data.hashboards[0]
    assert board.chip_temp == int(st.chip_temp_max_c)
    assert board.chips == heater.profile.chip_count
    assert board.temp == int(st.chip_temp_avg_c)  # TAvg (MTmax[board] is not a list here)
    if model == "q":
        assert board.inlet_temp == int(st.inlet_temp_c) + 1  # HBITemp
        assert board.outlet_temp == int(st.outlet_temp_c)  # HBOTemp
    else:
        # One board prints MTavg[n] as a scalar, so pyasic's MTavg[board] lookup finds nothing.
        assert (board.inlet_temp, board.outlet_temp) == (None, None)
    if model == "nano3":
        assert data.env_temp == float(int(st.inlet_temp_c))  # Temp[]
    expected_fans = len(data.fans)
    assert expected_fans >= 1
    assert [f.speed for f in data.fans] == [st.fan_rpm] * expected_fans
    assert data.uptime is not None
    assert data.uptime > 3000
    assert [p.user for p in data.pools] == [p.user for p in st.pools]


async def test_pyasic_reads_every_model_from_the_first_second_of_serve() -> None:
    """Right after ``firmware-sim serve`` prints "serving", pyasic reads all four models right.

    The devices start as already running (an hour of uptime by default), so the hashrate pyasic
    takes from the averages (MGHS, or GHSspd on the Nano 3S) is the mode's rate at once, not 0
    and then several times it (the firmware's averages count from cgminer's start).
    """
    hosts = [f"127.0.0.{81 + k}" for k in range(len(CASES))]
    argv = [sys.executable, "-m", "firmware_sim", "serve", "--address", hosts[0], "--port", "4028"]
    argv += ["--control-port", "0"]
    for model, _, _ in CASES:
        argv += ["--model", model]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    assert process.stderr is not None
    try:
        for line in process.stdout:
            if line.startswith("serving"):
                break
        started = time.monotonic()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            for (model, _, cls), host in zip(CASES, hosts, strict=True):
                miner = await get_miner(host)
                assert type(miner) is cls, model
                data = await miner.get_data()
                profile = load_profile(model)
                mode = profile.modes[profile.default_mode]
                # The board's rate is the average since cgminer started (MGHS; GHSspd on the
                # Nano 3S): the mode's rate from the first reply, never 0 and never 4x.
                board = data.hashboards[0].hashrate
                assert board is not None, model
                assert float(board) == pytest.approx(mode.hashrate_ths, rel=0.03), model
                # The headline rate is the decaying MHS 1m (Nano 3S: GHSspd). It is exact at the
                # first request and then moves with counted nonces, as the firmware's does
                # (nano3_summary.json: MHS 1m 24 % over MHS av): with up to 3 s between pyasic's
                # probe and its devs on a loaded machine, a Nano 3 moves it by up to ~9 %.
                assert data.hashrate is not None, model
                assert float(data.hashrate) == pytest.approx(mode.hashrate_ths, rel=0.10), model
                assert data.wattage_limit == mode.mpo_w
                assert data.uptime is not None
                assert data.uptime >= 3600 - CGMINER_START_S, model
                assert data.hashboards[0].chips == profile.chip_count
                assert data.fans, model
                assert all((f.speed or 0) > 0 for f in data.fans), model
        # All four read within the first seconds of serving (no warm-up wait anywhere above).
        assert time.monotonic() - started < 30.0
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
        process.stdout.close()
        process.stderr.close()
