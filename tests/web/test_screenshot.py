"""The README's screenshot command, run as written against the page: every thumbnail is drawn."""

from __future__ import annotations

import colorsys
import os
import re
import shlex
import subprocess

import numpy as np
import pytest
import requests
from PIL import Image
from web_harness import CATALOG, CHROMIUM, REPO

pytestmark = pytest.mark.browser

README_URL = "http://127.0.0.1:8000/"
PLACEHOLDER = (0xF1, 0xEE, 0xF6)  # the thumbnails' background in styles.css: a picture not drawn


def readme_screenshot_command() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.*?)```", readme, flags=re.DOTALL)
    commands = [b for b in blocks if "--screenshot" in b]
    assert len(commands) == 1, "the README shows one screenshot command"
    return shlex.split(commands[0].replace("\\\n", " "))  # as a shell reads continued lines


def circle_colour(thumbnail_url: str) -> tuple[int, int, int]:
    """The colour of the circle in the stand-in's picture, as the picture itself says."""
    svg = requests.get(thumbnail_url, timeout=5).text
    hue, saturation, lightness = map(
        int, re.search(r'<circle [^>]*fill="hsl\((\d+),(\d+)%,(\d+)%\)"', svg).groups()
    )
    rgb = colorsys.hls_to_rgb(hue / 360, lightness / 100, saturation / 100)
    return tuple(round(c * 255) for c in rgb)


def pixels_of(image: np.ndarray, colour: tuple[int, int, int], tolerance: int = 3) -> int:
    return int((np.abs(image - np.array(colour)).max(axis=2) <= tolerance).sum())


def test_the_readme_screenshot_shows_every_thumbnail(site, tmp_path):
    command = readme_screenshot_command()
    assert command[0] == "chromium" and README_URL in command
    shot = tmp_path / "page.png"
    argv = [CHROMIUM if arg == "chromium" else arg for arg in command]
    argv = [site.url if arg == README_URL else arg for arg in argv]
    argv = [f"--screenshot={shot}" if arg.startswith("--screenshot") else arg for arg in argv]
    if os.geteuid() == 0:
        argv.insert(1, "--no-sandbox")  # as the README says
    # A profile of its own, so no other Chromium on the machine is involved.
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config")}

    subprocess.run(argv, env=env, cwd=tmp_path, capture_output=True, timeout=60, check=True)

    image = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    listed = requests.get(f"{site.mysfits.url}/mysfits", timeout=5).json()["mysfits"]
    assert len(listed) == len(CATALOG["mysfits"])
    for mysfit in listed:
        drawn = pixels_of(image, circle_colour(mysfit["thumbImageUri"]))
        assert drawn > 5000, f"{mysfit['name']}'s thumbnail is not in the screenshot"
    assert pixels_of(image, PLACEHOLDER, tolerance=0) < 1000, "no grey box where a picture goes"
