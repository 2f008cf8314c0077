"""The repository stands alone: nothing in it points outside it, and its own references resolve.

Code comments and docs cite ``docs/protocol.md §1.7``, ``docs/physics.md §6.3`` and
``tests/captures/<file>``; this checks that each cited document, section and capture exists, and
that nothing cites the shared folder the project was started from (a user of the repository does
not have it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SKIP_DIRS = {".git", ".venv", "node_modules", "__pycache__", ".mypy_cache", ".ruff_cache", "build"}
TEXT_SUFFIXES = {".py", ".md", ".json", ".toml", ".txt", ".tcss", ".ini", ".cfg", ".yml", ".yaml"}
OUTSIDE = re.compile(r"\.\./shared|shared/docs|shared/captures|/work/(?:shared|notes|main|wt-)")
BARE_DOC = re.compile(r"(?<![\w/.-])(?:protocol|physics)\.md")
DOC_REF = re.compile(r"(?<![\w/.-])docs/([\w-]+\.md)(?:\s*§\s*(\d+(?:\.\d+)?))?")
CAPTURE_REF = re.compile(r"(?<![\w/.-])tests/captures/([\w.-]+\.(?:json|txt|ini))")


def repository_files() -> Iterator[Path]:
    """Every text file of the checkout, except the captured device replies themselves."""
    for path in ROOT.rglob("*"):
        parts = set(path.relative_to(ROOT).parts)
        if parts & SKIP_DIRS or any(p.endswith(".egg-info") for p in parts):
            continue
        if not path.is_file() or path.suffix not in TEXT_SUFFIXES:
            continue
        if path.parent == ROOT / "tests" / "captures" and path.name != "README.md":
            continue  # device replies: data, not references
        if path == Path(__file__).resolve():
            continue  # this file names the patterns it looks for
        yield path


def sections(doc: Path) -> set[str]:
    """The section numbers of a document: headings, and numbered items under a ``## n.`` heading.

    ``## 6. Quirks`` followed by ``8. **The Q ...**`` gives 6 and 6.8, as ``### 1.7`` gives 1.7.
    """
    found = set()
    top = None
    for line in doc.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"(#{2,4})\s+(\d+(?:\.\d+)?)\.?\s", line)
        if heading:
            found.add(heading.group(2))
            if len(heading.group(1)) == 2:
                top = heading.group(2)
            continue
        if line.startswith("#"):
            top = None
        item = re.match(r"(\d+)\.\s", line)
        if item and top is not None and "." not in top:
            found.add(f"{top}.{item.group(1)}")
    return found


def test_nothing_points_outside_the_repository() -> None:
    """No file cites ../shared, shared/docs or a path of the machine the project was built on."""
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()[:80]}"
        for path in repository_files()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert offenders == [], "\n".join(offenders)


def test_protocol_and_physics_are_cited_by_their_path() -> None:
    """A bare ``protocol.md §1.7`` meant the shared folder's copy; cite ``docs/protocol.md``."""
    bare = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()[:80]}"
        for path in repository_files()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if BARE_DOC.search(line)
    ]
    assert bare == [], "\n".join(bare)


def test_cited_documents_and_sections_exist() -> None:
    """Every ``docs/<name>.md`` cited exists, and every ``§n.m`` cited is one of its headings."""
    known: dict[str, set[str]] = {}
    missing = []
    for path in repository_files():
        text = path.read_text(encoding="utf-8")
        for match in DOC_REF.finditer(text):
            name, section = match.group(1), match.group(2)
            doc = ROOT / "docs" / name
            if not doc.is_file():
                missing.append(f"{path.relative_to(ROOT)}: docs/{name}")
                continue
            if section is not None:
                heads = known.setdefault(name, sections(doc))
                if section not in heads:
                    missing.append(f"{path.relative_to(ROOT)}: docs/{name} §{section}")
    assert missing == [], "\n".join(sorted(set(missing)))


def test_cited_captures_exist() -> None:
    """Every ``tests/captures/<file>`` cited is in tests/captures (copied, with provenance)."""
    missing = sorted(
        {
            f"{path.relative_to(ROOT)}: tests/captures/{match.group(1)}"
            for path in repository_files()
            for match in CAPTURE_REF.finditer(path.read_text(encoding="utf-8"))
            if not (ROOT / "tests" / "captures" / match.group(1)).is_file()
        }
    )
    assert missing == [], "\n".join(missing)


def test_the_checks_can_fail(tmp_path: Path) -> None:
    """Pins the patterns themselves: an outside path, a missing section and a bad capture match."""
    assert OUTSIDE.search("see ../shared/docs/protocol.md")
    assert OUTSIDE.search("background in /work/shared/captures/x.json")
    assert not OUTSIDE.search("see docs/protocol.md §1.7")
    assert BARE_DOC.search("(physics.md §6.3)")
    assert not BARE_DOC.search("(docs/physics.md §6.3)")
    assert DOC_REF.search("(docs/protocol.md §6.8)").groups() == ("protocol.md", "6.8")  # type: ignore[union-attr]
    assert CAPTURE_REF.search("from tests/captures/q_stats.json").group(1) == "q_stats.json"  # type: ignore[union-attr]
    doc = tmp_path / "x.md"
    doc.write_text("# t\n## 1. One\n### 1.7 `ascset`\n## 6. Six\n8. eight\n", encoding="utf-8")
    assert sections(doc) == {"1", "1.7", "6", "6.8"}
