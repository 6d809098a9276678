"""``pancert report --html``: parsed as HTML, and rendered by headless Chromium."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from PIL import Image

from pancert.sandbox.faults import FaultRule
from pancert.sandbox.world import DEMO_PROFILES, SandboxWorld
from tests.e2e.conftest import configure

HEADER = (0x1F, 0x3A, 0x5F)
OK = (0x2E, 0x7D, 0x32)
FAILED = (0xC6, 0x28, 0x28)


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail("chromium is missing: `make test` installs it (apt-get install chromium)")
    return found


def screenshot(page: Path, out: Path, width: int, height: int) -> Image.Image:
    profile = out.parent / f"chromium-{width}"
    done = subprocess.run(
        [
            chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            f"--window-size={width},{height}",
            f"--screenshot={out}",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return Image.open(out).convert("RGB")


def nodes(tree: lxml.html.HtmlElement, xpath: str) -> list[lxml.html.HtmlElement]:
    found = tree.xpath(xpath)
    assert isinstance(found, list)
    return [n for n in found if isinstance(n, lxml.html.HtmlElement)]


def strings(tree: lxml.html.HtmlElement, xpath: str) -> list[str]:
    found = tree.xpath(xpath)
    assert isinstance(found, list)
    return [str(n) for n in found]


def near(pixel: Any, colour: tuple[int, int, int]) -> bool:
    return all(abs(a - b) <= 6 for a, b in zip(pixel, colour, strict=False))


def rows_with(image: Image.Image, colour: tuple[int, int, int]) -> dict[int, int]:
    """For each screen row holding the colour: how many pixels of it."""
    found: dict[int, int] = {}
    pixels = image.load()
    assert pixels is not None
    for y in range(image.height):
        count = sum(near(pixels[x, y], colour) for x in range(0, image.width, 2))
        if count:
            found[y] = count * 2
    return found


def test_the_report_lists_every_pair_and_renders_on_a_desktop_and_a_phone(
    world: SandboxWorld, tmp_path: Path
) -> None:
    agent = configure(world, *DEMO_PROFILES, pancert_metrics_dir="off")
    assert agent("renew").code == 0
    world.scm.faults.add(FaultRule(kind="enroll", fault="5xx", times=-1))
    assert agent("renew", "--force", "-p", "web").code == 1
    page = tmp_path / "report.html"
    made = agent("report", "--html", str(page))
    assert made.code == 0, made.text
    text = page.read_text()

    tree = lxml.html.fromstring(text)
    assert nodes(tree, "//script") == []
    assert nodes(tree, "//link | //img | //iframe | //object") == []
    assert not [v for v in strings(tree, "//@src | //@href") if "://" in v]
    assert nodes(tree, "//meta[@name='viewport']")
    rows = nodes(tree, "//table[@id='certificates']/tbody/tr")
    cells = [
        {str(td.get("data-label")): td.text_content().strip() for td in nodes(r, "td")}
        for r in rows
    ]
    pairs = {(c["profile"], c["firewall"]) for c in cells}
    assert pairs == {("web", "fw_sandbox1"), ("shop", "fw_sandbox1"), ("shop", "fw_sandbox2")}
    statuses = {r["profile"]: r for r in agent.status()}
    web = next(c for c in cells if c["profile"] == "web")
    assert web["state"].startswith("failed")  # the failing pair comes first
    assert cells[0] is web
    assert "503" in web["last error"] or "unavailable" in web["last error"].lower()
    assert web["expires (UTC)"] == statuses["web"]["not_after"][:16].replace("T", " ")
    listed = {li.get("data-firewall"): li.text_content() for li in nodes(tree, "//li")}
    # every firewall profile the sandbox wrote (Panorama's and its devices' too), each once
    written = {f.stem for f in (world.folder / "profiles").glob("fw_*.yaml")}
    assert {"fw_sandbox1", "fw_sandbox2"} <= written
    assert set(listed) == written
    assert "2 certificates, 1 failed or expired" in listed["fw_sandbox1"]
    assert "1 certificates" in listed["fw_sandbox2"]
    for secret in [fw.api_key for fw in world.fleet.firewalls]:
        assert secret not in text

    desktop = screenshot(page, tmp_path / "desktop.png", 1280, 900)
    header = rows_with(desktop, HEADER)
    assert header, "no table header on the screenshot"
    assert max(header.values()) > desktop.width * 0.8  # a header bar across the page
    assert rows_with(desktop, OK)
    assert rows_with(desktop, FAILED)
    below = [y for y in rows_with(desktop, OK) if y > max(header)]
    assert below, "no row under the header"

    phone = screenshot(page, tmp_path / "phone.png", 390, 844)
    assert rows_with(phone, FAILED)  # the failed card is on the first screen
    assert not [n for n in rows_with(phone, HEADER).values() if n > phone.width * 0.8]
