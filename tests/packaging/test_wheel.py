"""The built wheel works outside the repository (issue 10).

Builds the sdist and wheel with hatchling (the project's build backend, in the locked dev set, so
nothing is downloaded), installs the wheel into a fresh venv in a temporary folder with uv in
offline mode (from the cache ``.ci/setup`` filled, constrained to the lock), and from there runs
the commands a new user runs first. Every data file the packages read at run time must be in the
wheel: the test compares the wheel's files with the package folders'.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEV_LOCK = ROOT / ".ci" / "requirements-dev.lock"
RUNTIME_LOCK = ROOT / ".ci" / "requirements.lock"
PACKAGES = ("nanoheater", "firmware_sim")

pytestmark = pytest.mark.slow


def _uv() -> str:
    from uv import find_uv_bin

    return str(find_uv_bin())


def _user_env() -> dict[str, str]:
    """The environment without the test venv's markers, as a user's shell would have it."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}


def _run(args: list[str], cwd: Path, timeout_s: float = 120.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        cwd=cwd,
        env=_user_env(),
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the wheel, the bin folder of a venv outside the checkout holding only it and its deps)."""
    out = tmp_path_factory.mktemp("dist")
    done = _run([sys.executable, "-m", "hatchling", "build", "-d", str(out)], cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    wheels = sorted(out.glob("nanoheater-*.whl"))
    sdists = sorted(out.glob("nanoheater-*.tar.gz"))
    assert len(wheels) == 1, sorted(p.name for p in out.iterdir())
    assert len(sdists) == 1, sorted(p.name for p in out.iterdir())
    venv = tmp_path_factory.mktemp("user") / "venv"
    done = _run([_uv(), "venv", "--quiet", "--python", sys.executable, str(venv)], cwd=venv.parent)
    assert done.returncode == 0, done.stderr[-3000:]
    python = ["--offline", "--quiet", "--python", str(venv / "bin/python")]
    # The runtime lock (the wheel's dependencies at the dev lock's versions), then the wheel.
    sync = [_uv(), "pip", "sync", *python, "--require-hashes", str(RUNTIME_LOCK)]
    done = _run(sync, cwd=venv.parent)
    assert done.returncode == 0, done.stderr[-3000:]
    done = _run([_uv(), "pip", "install", *python, "--no-deps", str(wheels[0])], cwd=venv.parent)
    assert done.returncode == 0, done.stderr[-3000:]
    done = _run([_uv(), "pip", "check", "--python", str(venv / "bin/python")], cwd=venv.parent)
    assert done.returncode == 0, done.stdout + done.stderr
    return wheels[0], venv / "bin"


def _pins(lock: Path) -> dict[str, str]:
    pins = re.findall(r"^([A-Za-z0-9._-]+)==([^ ;\\]+)", lock.read_text(), flags=re.MULTILINE)
    return {name.lower(): version for name, version in pins}


def test_runtime_lock_is_the_dev_lock_without_dev_tools() -> None:
    """Every runtime pin is the dev lock's pin: users and tests get the same versions."""
    runtime, dev = _pins(RUNTIME_LOCK), _pins(DEV_LOCK)
    assert {"textual", "pydantic", "zeroconf", "pyserial"} <= set(runtime)
    assert "pytest" not in runtime
    assert {name: dev.get(name) for name in runtime} == runtime


def _package_files() -> set[str]:
    found: set[str] = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                found.add(path.relative_to(ROOT).as_posix())
    return found


def test_wheel_carries_every_package_file(built: tuple[Path, Path]) -> None:
    """Every module and data file (registry JSON, simulator profiles, .tcss, py.typed) ships."""
    wheel, _ = built
    with zipfile.ZipFile(wheel) as archive:
        names = {n for n in archive.namelist() if not n.startswith("nanoheater-")}
    expected = _package_files()
    assert names == expected
    for data in (
        "nanoheater/capabilities/q.json",
        "firmware_sim/profiles/nano3s.json",
        "nanoheater/tui/nanoheater.tcss",
        "nanoheater/py.typed",
    ):
        assert data in names


def test_installed_commands_answer(built: tuple[Path, Path], tmp_path: Path) -> None:
    """--version, -h on the group and every command, and firmware-sim serve --help."""
    _, bin_dir = built
    done = _run([str(bin_dir / "nanoheater"), "--version"], cwd=tmp_path)
    assert done.returncode == 0, done
    assert re.search(r"\d+\.\d+\.\d+", done.stdout), done
    done = _run([str(bin_dir / "nanoheater"), "-h"], cwd=tmp_path)
    assert done.returncode == 0, done
    assert "Usage: nanoheater" in done.stdout, done
    commands = re.findall(r"^  (\w+)\s", done.stdout.split("Commands:")[1], flags=re.MULTILINE)
    assert {"status", "economics", "tui", "demo"} <= set(commands)
    # One interpreter per command, all at once: start-up dominates and the suite has a budget.
    env = _user_env()
    running = {
        command: subprocess.Popen(
            [str(bin_dir / "nanoheater"), command, "-h"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for command in commands
    }
    for command, proc in running.items():
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, (command, err)
        assert f"Usage: nanoheater {command}" in out
    done = _run([str(bin_dir / "firmware-sim"), "serve", "--help"], cwd=tmp_path)
    assert done.returncode == 0, done
    assert "Usage: firmware-sim serve" in done.stdout, done


def test_installed_package_is_not_the_checkout(built: tuple[Path, Path], tmp_path: Path) -> None:
    """The venv imports nanoheater from its own site-packages."""
    _, bin_dir = built
    code = (
        "import nanoheater, firmware_sim; print(nanoheater.__file__); print(firmware_sim.__file__)"
    )
    done = _run([str(bin_dir / "python"), "-c", code], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for line in done.stdout.split():
        assert "site-packages" in line, line
        assert not line.startswith(str(ROOT) + "/nanoheater"), line


def test_installed_economics_offline_json(built: tuple[Path, Path], tmp_path: Path) -> None:
    """The registry data is read from the installed package."""
    import json

    _, bin_dir = built
    args = ["economics", "--model", "nano3s", "--mode", "high", "--offline", "--json"]
    done = _run([str(bin_dir / "nanoheater"), *args], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report


def test_installed_simulator_and_client_round_trip(
    built: tuple[Path, Path], tmp_path: Path
) -> None:
    """firmware-sim serve on loopback, then nanoheater status reads it."""
    import json

    _, bin_dir = built
    serve = [
        str(bin_dir / "firmware-sim"),
        "serve",
        "--model",
        "q",
        "--address",
        "127.0.0.71",
        "--port",
        "4028",
        "--control-port",
        "0",
    ]
    env = _user_env()
    with subprocess.Popen(serve, cwd=tmp_path, env=env, stdout=subprocess.PIPE, text=True) as proc:
        try:
            assert proc.stdout is not None
            first = proc.stdout.readline()
            assert "127.0.0.71:4028" in first, first
            status = [str(bin_dir / "nanoheater"), "status", "127.0.0.71:4028", "--json"]
            done = _run(status, cwd=tmp_path, timeout_s=60.0)
            assert done.returncode == 0, done.stderr
            reading = json.loads(done.stdout)
            assert reading["model"] == "q"
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=20)


def test_installed_tui_demo_starts_headless(built: tuple[Path, Path], tmp_path: Path) -> None:
    """The demo's TUI, run by Textual's pilot from the wheel, lists the five simulated devices."""
    _, bin_dir = built
    script = Path(__file__).with_name("demo_headless.py")
    done = _run([str(bin_dir / "python"), str(script), "127.0.0.81"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "rows 5" in done.stdout, done.stdout
