"""--chart: the picture shows the report's counts; the same clicks give the same bytes."""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest

from clickstream.commands.report import main

from .conftest import YEAR_ARGS, Sent

SVG = "{http://www.w3.org/2000/svg}"


def bar_sizes(svg_path) -> dict[str, tuple[float, float]]:
    """(width, height) of each bar the chart names (``<g id="mysfit-…">``,
    ``funnel-STEP-…``, ``hour-HH``)."""
    sizes = {}
    for group in ET.parse(svg_path).getroot().iter(f"{SVG}g"):
        gid = group.get("id", "")
        if gid.startswith(("mysfit-", "funnel-", "hour-")):
            points = [
                tuple(map(float, pair))
                for pair in re.findall(r"([\d.]+) ([\d.]+)", group.find(f"{SVG}path").get("d"))
            ]
            xs, ys = [x for x, _ in points], [y for _, y in points]
            sizes[gid] = (max(xs) - min(xs), max(ys) - min(ys))
    return sizes


@pytest.fixture
def filled(pipeline, profiles, deliver_at):
    """Mysfit 1: 4 clicks, mysfit 2: 2, mysfit 3: 1; at 07:00 (3 clicks) and 19:00 (4)."""
    one, two, three = sorted(profiles)[:3]
    at7, at19 = datetime(2026, 5, 1, 7, tzinfo=UTC), datetime(2026, 5, 1, 19, tzinfo=UTC)
    morning = [Sent("u", one, at7), Sent("u", one, at7), Sent("v", two, at7)]
    evening = [Sent("u", one, at19), Sent("w", one, at19), Sent("v", two, at19)]
    deliver_at([*morning, *evening, Sent("x", three, at19)])
    return pipeline.bucket_dir, {one: 4, two: 2, three: 1}


def test_bars_are_as_long_as_the_counts(filled, tmp_path, capsys):
    bucket, counts = filled
    chart = tmp_path / "clicks.svg"

    assert main([*YEAR_ARGS, "--bucket-dir", str(bucket), "--chart", str(chart)]) == 0

    sizes = bar_sizes(chart)
    widths = {mysfit: sizes[f"mysfit-{mysfit}"][0] for mysfit in counts}
    unit = widths[min(counts, key=counts.get)]  # the one-click bar
    for mysfit, count in counts.items():
        assert widths[mysfit] == pytest.approx(count * unit, rel=1e-3), mysfit
    heights = {hour: sizes[f"hour-{hour:02d}"][1] for hour in range(24)}
    assert heights[19] == pytest.approx(heights[7] * 4 / 3, rel=1e-3)
    assert {hour for hour, height in heights.items() if height > 0} == {7, 19}
    assert "report: wrote" in capsys.readouterr().err


def test_the_title_gives_the_totals(filled, tmp_path):
    bucket, _ = filled
    chart = tmp_path / "clicks.svg"

    main([*YEAR_ARGS, "--bucket-dir", str(bucket), "--chart", str(chart)])

    # 7 profile views by u, v, w and x
    assert "<!-- Mysfits clicks: 7 events, 4 visitors -->" in chart.read_text(encoding="utf-8")


def test_the_same_clicks_draw_the_same_bytes(filled, tmp_path):
    bucket, _ = filled
    first, second = tmp_path / "a.svg", tmp_path / "b.svg"

    main([*YEAR_ARGS, "--bucket-dir", str(bucket), "--chart", str(first)])
    main([*YEAR_ARGS, "--bucket-dir", str(bucket), "--chart", str(second)])

    assert first.read_bytes() == second.read_bytes()


def test_png_is_a_png_of_the_charts_size(filled, tmp_path):
    bucket, _ = filled
    chart = tmp_path / "clicks.png"

    assert main([*YEAR_ARGS, "--bucket-dir", str(bucket), "--chart", str(chart), "--json"]) == 0

    data = chart.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (800, 1100)


def test_an_empty_bucket_draws_empty_axes(tmp_path):
    chart = tmp_path / "empty.svg"
    (tmp_path / "bucket").mkdir()

    assert main([*YEAR_ARGS, "--bucket-dir", str(tmp_path / "bucket"), "--chart", str(chart)]) == 0

    sizes = bar_sizes(chart)
    assert not any(gid.startswith(("mysfit-", "funnel-")) for gid in sizes)
    assert all(height == 0 for gid, (_, height) in sizes.items() if gid.startswith("hour-"))


def test_an_unwritable_chart_is_one_line_and_exit_2(tmp_path, capsys):
    (tmp_path / "bucket").mkdir()
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")

    status = main(
        [*YEAR_ARGS, "--bucket-dir", str(tmp_path / "bucket"), "--chart", str(blocker / "c.svg")]
    )

    captured = capsys.readouterr()
    assert status == 2
    assert captured.out == ""
    assert captured.err.startswith(f"report: error: cannot write {blocker / 'c.svg'}: ")
    assert captured.err.count("\n") == 1


def test_mysfits_are_labelled_by_name(filled, profiles, tmp_path):
    bucket, counts = filled
    chart = tmp_path / "clicks.svg"

    main([*YEAR_ARGS, "--bucket-dir", str(bucket), "--chart", str(chart)])

    # Matplotlib writes each label as glyphs after a comment holding its text.
    texts = re.findall(r"<!-- (.*?) -->", chart.read_text(encoding="utf-8"))
    for mysfit in counts:
        assert profiles[mysfit]["name"] in texts
        assert not any(mysfit[:8] in text for text in texts), mysfit


def test_the_funnel_bars_are_as_long_as_viewers_likers_and_adopters(
    journey_bucket, mysfit_ids, tmp_path
):
    chart = tmp_path / "journey.svg"

    assert main([*YEAR_ARGS, "--bucket-dir", str(journey_bucket), "--chart", str(chart)]) == 0

    sizes = bar_sizes(chart)
    width = {gid: size[0] for gid, size in sizes.items() if gid.startswith("funnel-")}
    pauly, rujin, coco = mysfit_ids["Pauly"], mysfit_ids["Rujin"], mysfit_ids["CoCo"]
    unit = width[f"funnel-viewers-{coco}"]  # CoCo: one viewer (journey.py, visitor A)
    # Pauly: viewers A and dan, likers ANA and CY, adopter ANA; Rujin: C, CY, CY.
    expected = {
        f"funnel-viewers-{pauly}": 2,
        f"funnel-likers-{pauly}": 2,
        f"funnel-adopters-{pauly}": 1,
        f"funnel-viewers-{rujin}": 1,
        f"funnel-likers-{rujin}": 1,
        f"funnel-adopters-{rujin}": 1,
        f"funnel-likers-{coco}": 0,
    }
    for gid, count in expected.items():
        assert width[gid] == pytest.approx(count * unit, rel=1e-3, abs=1e-6), gid
    # Five mysfits, three steps each.
    assert len(width) == 15


def test_a_line_without_a_name_is_labelled_by_species_and_id(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    # An object Firehose wrote before the clicks carried the mysfit's name.
    folder = tmp_path / "bucket" / "clicks" / "year=2026" / "month=01" / "day=02"
    folder.mkdir(parents=True)
    row = {
        "userid": "guest",
        "mysfitid": "2b473002-36f8-4b87-954e-9a377e0ccbec",
        "species": "Cyclops",
        "goodevil": "Neutral",
        "lawchaos": "Lawful",
        "clickedat": datetime(2026, 1, 2, 10),
    }
    pq.write_table(pa.Table.from_pylist([row]), folder / "stream-1-2026-01-02-10-00-00-a.parquet")
    chart = tmp_path / "old.svg"

    assert main([*YEAR_ARGS, "--bucket-dir", str(tmp_path / "bucket"), "--chart", str(chart)]) == 0

    assert "<!-- Cyclops 2b473002 -->" in chart.read_text(encoding="utf-8")
