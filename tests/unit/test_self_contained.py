"""A clone is self-contained: no test, benchmark or make target reads a folder beside the
checkout; third-party data lives in tests/data with its provenance."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OUTSIDE = re.compile(r"\.\./shared|parents\[2\]\s*/\s*[\"']shared[\"']|/work/shared")


def _files() -> list[Path]:
    found = [REPO / "Makefile", REPO / "pyproject.toml"]
    for folder in ("tests", "bench", "src"):
        found += sorted((REPO / folder).rglob("*.py"))
    return found


def test_nothing_reads_beside_the_checkout() -> None:
    offenders = [
        f"{path.relative_to(REPO)}:{n}"
        for path in _files()
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if OUTSIDE.search(line) and path != Path(__file__).resolve()
    ]
    assert offenders == []


def test_every_data_folder_names_its_sources() -> None:
    data = REPO / "tests" / "data"
    readme = (data / "README.md").read_text()
    for folder in sorted(p for p in data.iterdir() if p.is_dir()):
        assert f"`{folder.name}/`" in readme, folder.name
        assert (folder / "SOURCES.md").is_file(), folder.name
