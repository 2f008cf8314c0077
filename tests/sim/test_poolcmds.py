"""Pool management commands: switchpool, enablepool, disablepool, poolpriority, setpool."""

from __future__ import annotations

from tests.sim.standin import StandIn
from tests.sim.test_handlers import call


def pool_status(sim: StandIn, parameter: str, command: str) -> tuple[str, int, str]:
    got = call(sim, command, parameter)["STATUS"][0]
    return got["STATUS"], got["Code"], got["Msg"]


def test_pool_commands_change_the_pools_reply() -> None:
    """switchpool, disablepool, enablepool and poolpriority use api.c's checks and messages."""
    sim = StandIn("nano3s", pools=3)
    url2 = sim.state.pools[2].url
    assert pool_status(sim, "2", "switchpool") == ("S", 27, f"Switching to pool 2:'{url2}'")
    pools = call(sim, "pools")["POOLS"]
    assert [p["Priority"] for p in pools] == [1, 2, 0]
    assert [p["Stratum Active"] for p in pools] == [False, False, True]
    assert pool_status(sim, "2", "disablepool")[:2] == ("S", 48)
    assert call(sim, "pools")["POOLS"][2]["Status"] == "Disabled"
    assert pool_status(sim, "2", "disablepool")[:2] == ("I", 50)
    assert pool_status(sim, "1", "disablepool")[:2] == ("S", 48)
    assert pool_status(sim, "0", "disablepool")[:2] == ("E", 51)
    assert pool_status(sim, "2", "enablepool")[:2] == ("S", 47)
    assert pool_status(sim, "2", "enablepool")[:2] == ("I", 49)
    assert pool_status(sim, "5", "switchpool") == ("E", 26, "Invalid pool id 5 - range is 0 - 2")
    assert pool_status(sim, "1,1", "poolpriority") == ("E", 74, "Duplicate pool specified 1")
    assert pool_status(sim, "1,0", "poolpriority") == ("S", 73, "Changed pool priorities")
    assert [p["Priority"] for p in call(sim, "pools")["POOLS"]] == [1, 0, 2]
    assert call(sim, "switchpool")["STATUS"][0]["Code"] == 25


def test_setpool_applies_after_reboot() -> None:
    """Setpool checks the web login, answers S/133 and takes effect at the next boot."""
    sim = StandIn("nano3s", pools=3)
    bad = pool_status(sim, "root,admin,0,stratum+tcp://new.invalid:3333,w1", "setpool")
    assert bad == ("E", 132, "Pool set error: username err")
    bad = pool_status(sim, "admin,nope,0,stratum+tcp://new.invalid:3333,w1", "setpool")
    assert bad == ("E", 132, "Pool set error: userpass err")
    assert pool_status(sim, "admin,admin,0", "setpool")[2].endswith("your input is 3 arguments.")
    kind, code, msg = pool_status(
        sim, "admin,admin,0,stratum+tcp://new.invalid:3333,w1,x", "setpool"
    )
    assert (kind, code) == ("S", 133)
    assert msg.endswith(
        "worker is w1\nworkerpassword is x\nPlease reboot miner to make config work.\n"
    )
    assert call(sim, "pools")["POOLS"][0]["URL"] != "stratum+tcp://new.invalid:3333"
    sim.state.boot_time_s = sim.t  # the device has rebooted
    assert call(sim, "pools")["POOLS"][0]["URL"] == "stratum+tcp://new.invalid:3333"
    assert call(sim, "pools")["POOLS"][0]["User"] == "w1"
