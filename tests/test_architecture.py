"""Layering, checked at run time in fresh interpreters and with import-linter's contracts."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _loaded_after(statement: str) -> set[str]:
    code = f"import sys\n{statement}\nprint('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return {name.split(".")[0] for name in out.stdout.split()}


@pytest.mark.parametrize("statement", ["import nanoheater", "import nanoheater.cli"])
def test_library_and_cli_load_neither_textual_nor_simulator(statement: str) -> None:
    """Pins that importing the library or the CLI group loads no Textual and no firmware_sim."""
    loaded = _loaded_after(statement)
    assert "textual" not in loaded
    assert "firmware_sim" not in loaded


def test_simulator_loads_nothing_from_nanoheater() -> None:
    """Pins that the simulator stands alone: importing all of it never loads nanoheater."""
    modules = sorted(
        f"firmware_sim.{p.stem}"
        for p in (ROOT / "firmware_sim").glob("*.py")
        if p.stem != "__main__"
    )
    loaded = _loaded_after("\n".join(f"import {m}" for m in modules))
    assert "nanoheater" not in loaded


def test_simulator_source_never_names_nanoheater() -> None:
    """Pins that no firmware_sim module imports nanoheater, even lazily inside a function."""
    for path in (ROOT / "firmware_sim").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(n.split(".")[0] == "nanoheater" for n in names), path


def test_only_demo_and_simulate_name_the_simulator() -> None:
    """Pins that inside nanoheater only the demo and simulate commands import firmware_sim."""
    allowed = {"demo", "simulate", "sim_harness", "sim_knowledge"}
    for path in (ROOT / "nanoheater").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if "firmware_sim" in text and "import" in text:
            tree = ast.parse(text)
            for node in ast.walk(tree):
                mods: list[str] = []
                if isinstance(node, ast.Import):
                    mods = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom):
                    mods = [node.module or ""]
                if any(m.split(".")[0] == "firmware_sim" for m in mods):
                    assert path.parent.name == "cli", path
                    assert path.stem in allowed, path


def test_only_the_tui_imports_textual() -> None:
    """Pins that textual is imported only under nanoheater/tui."""
    for path in (ROOT / "nanoheater").rglob("*.py"):
        if "tui" in path.relative_to(ROOT / "nanoheater").parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            mods: list[str] = []
            if isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                mods = [node.module or ""]
            assert not any(m.split(".")[0] == "textual" for m in mods), path


def test_import_linter_contracts_hold() -> None:
    """Pins the import-linter contracts in pyproject.toml."""
    # The venv running the tests holds it (.ci/setup), whether or not that venv is on PATH.
    beside = Path(sys.executable).with_name("lint-imports")
    exe = str(beside) if beside.exists() else shutil.which("lint-imports")
    if exe is None:
        pytest.fail("lint-imports is not installed; run .ci/setup")
    result = subprocess.run([exe], capture_output=True, text=True, cwd=ROOT, check=False)
    assert result.returncode == 0, result.stdout[-3000:]
