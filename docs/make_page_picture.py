"""Write docs/report-page.png, the README's picture of ``report --html``: the sample visits of
make_sample.py through the local pipeline, the page made from them, and its top as Chromium
draws it (Debian's chromium, or CHROMIUM_PATH; as the browser tests run it).

python docs/make_page_picture.py   (needs requirements-test.txt)
"""

from __future__ import annotations

import importlib.util
import io
import os
import sys
import tempfile
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from clickstream.commands.report import main as report  # noqa: E402
from clickstream.local import LocalPipeline  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
WIDTH, HEIGHT = 860, 1400  # the header, the totals and the funnel
COLOURS = 48  # a palette keeps the picture small


def _make_sample():
    spec = importlib.util.spec_from_file_location("make_sample", ROOT / "docs" / "make_sample.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(out: Path = ROOT / "docs" / "report-page.png") -> None:
    with tempfile.TemporaryDirectory() as scratch:
        bucket, page = Path(scratch) / "bucket", Path(scratch) / "report.html"
        with LocalPipeline(ROOT / "templates" / "clickstream.json", bucket, web_dir=None) as run:
            window = _make_sample().fill(run)
        assert report(["--bucket-dir", str(bucket), *window, "--html", str(page)]) == 0
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
            )
            context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
            context.route(
                "**/*", lambda r: r.continue_() if r.request.url == page.as_uri() else r.abort()
            )
            tab = context.new_page()
            tab.goto(page.as_uri())
            shot = tab.screenshot()
            browser.close()
    picture = Image.open(io.BytesIO(shot)).convert("RGB").quantize(COLOURS)
    picture.save(out, optimize=True)


if __name__ == "__main__":
    main()
