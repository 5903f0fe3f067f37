"""The README and its docs/ pages: tables in step with the template, links that resolve, commands
that run from a fresh clone, and prose that says each thing once."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from clickstream.suppressions import REASONS

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = ROOT / "docs"
# The README and every page beside it: what a reader follows links through.
PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


def page(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def table_rows(text: str, heading: str) -> list[str]:
    """The table rows (first cell in code) of the section under ``heading``, at any level."""
    (section,) = re.split(rf"^#+ {re.escape(heading)}\n", text, flags=re.M)[1:]
    return [line for line in section.split("\n\n#", 1)[0].splitlines() if line.startswith("| `")]


def first_cells(text: str, heading: str) -> set[str]:
    return {row.split("|")[1].strip().split()[0].strip("`") for row in table_rows(text, heading)}


def test_parameters_table_lists_every_parameter(template):
    assert first_cells(page("parameters.md"), "Parameters") == set(template["Parameters"])


def test_outputs_table_lists_every_output(template):
    assert first_cells(page("parameters.md"), "Outputs") == set(template["Outputs"])


@pytest.mark.parametrize("check", sorted(REASONS))
def test_security_section_justifies_every_suppression(check):
    rows = [
        row
        for row in table_rows(page("security.md"), "The template")
        if row.startswith(f"| `{check}`")
    ]
    assert len(rows) == 1, check
    assert REASONS[check] in rows[0]


def test_readme_test_command_is_what_ci_runs():
    ci = (Path(__file__).resolve().parents[2] / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make test +# the full test suite as CI runs it", README, re.M)
    assert ci.splitlines()[-1] == "make test"


# --- the prose reads: no passage twice, no paragraph or sentence that starts mid-thought --------

# Abbreviations a sentence does not end at.
_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "vs.")
# Word runs this long appear once; a passage pasted twice, even spliced, repeats longer ones.
REPEATED_WORDS = 10


def prose_paragraphs(text: str = README, *, list_items: bool = True) -> list[str]:
    """The paragraphs of prose (each list item one, unless not ``list_items``): no code,
    tables, headings, images or HTML."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    paragraphs = []
    for block in re.split(r"\n[ \t]*\n", text):
        for item in re.split(r"\n(?=\s*(?:[-*]|\d+\.) )", block.strip()):
            item = " ".join(item.split())
            if not item or item.startswith(("#", "|", "![", "<", "(")):
                continue
            if re.match(r"(?:[-*]|\d+\.) ", item):
                if not list_items:
                    continue
                item = item.split(" ", 1)[1]
            paragraphs.append(item)
    return paragraphs


def sentences(paragraph: str) -> list[str]:
    found, start = [], 0
    for end in re.finditer(r"[.!?]\)?(?=\s)", paragraph):
        piece = paragraph[start : end.end()].strip()
        if not piece.endswith(_ABBREVIATIONS):
            found.append(piece)
            start = end.end()
    found.append(paragraph[start:].strip())
    return [piece for piece in found if piece]


def fragment_start(paragraph: str) -> bool:
    """A paragraph that starts mid-sentence: in lower case, or with an ellipsis."""
    return paragraph[:1].islower() or paragraph.startswith(("…", "..."))


def label_sentence(sentence: str) -> bool:
    """A sentence with neither subject nor verb: an address or number, a colon, a list
    ("127.0.0.1: the site, the clicks API, …"), or one that starts with an ellipsis."""
    return bool(re.match(r"\d[\w.]*: ", sentence)) or sentence.startswith(("…", "..."))


def repeated_passages(paragraphs: list[str]) -> list[str]:
    """Every run of REPEATED_WORDS words found more than once, in one paragraph or two."""
    runs = Counter(
        " ".join(words[i : i + REPEATED_WORDS])
        for words in (paragraph.split() for paragraph in paragraphs)
        for i in range(len(words) - REPEATED_WORDS + 1)
    )
    return [run for run, count in runs.items() if count > 1]


def test_no_passage_of_the_readme_appears_twice():
    assert repeated_passages(prose_paragraphs()) == []


def test_no_passage_appears_twice_across_the_readme_and_its_pages():
    """What moved to docs/ is said there, not again in the README or another page."""
    texts = [path.read_text(encoding="utf-8") for path in PAGES]
    assert repeated_passages([p for text in texts for p in prose_paragraphs(text)]) == []


@pytest.mark.parametrize("path", PAGES, ids=lambda path: path.name)
def test_no_paragraph_or_sentence_starts_mid_thought(path):
    text = path.read_text(encoding="utf-8")
    fragments = [p for p in prose_paragraphs(text, list_items=False) if fragment_start(p)]
    labels = [s for p in prose_paragraphs(text) for s in sentences(p) if label_sentence(s)]
    assert fragments + labels == []


def test_the_checks_catch_a_spliced_repeat_and_a_fragment():
    spliced = (
        "The runner refuses, with one line, a port in use, a missing or stale template, or a "
        "template\n`--interval-scale 0.1` turns the processor's 60 s buffer into 6 s. Other "
        "options: `--bucket-dir DIR`. The runner refuses, with one line, a port in use, a "
        "missing or stale template, or a template without the expected resources.\n"
    )
    fragment = "No AWS account needed, as on AWS.\n127.0.0.1: the site, the clicks API.\n"

    assert repeated_passages(prose_paragraphs(spliced))
    (paragraph,) = prose_paragraphs(fragment)
    assert [label_sentence(s) for s in sentences(paragraph)] == [False, True]
    assert fragment_start("…as on AWS. The site.") and fragment_start("or a template.")
    assert not fragment_start("`make run` prints the site's URL.")


def test_try_it_locally_sends_a_click_the_local_runner_accepts():
    from clickstream.defaults import DEFAULT_STAGE
    from clickstream.local.__main__ import parse_args
    from clickstream.standins.mysfits import CATALOG

    quickstart = README.split("\n## Quickstart\n", 1)[1].split("\n## ", 1)[0]
    section = README.split("\n## Try it locally\n", 1)[1].split("\n## ", 1)[0]
    runner = parse_args([])
    body = json.loads(re.search(r"-d '(\{.*?\})'", section).group(1))
    (url,) = re.findall(r"http://127\.0\.0\.1:\d+/\S*clicks", section)

    # The runner is started by the Quickstart's command, which the first step names.
    assert re.search(r"^make run +# ", quickstart, re.M)
    assert "with `make run`" in section.split("\n2. ", 1)[0]
    assert url == f"http://127.0.0.1:{runner.api_port}/{DEFAULT_STAGE}/clicks"
    assert body["mysfitId"] in {mysfit["mysfitId"] for mysfit in CATALOG}
    assert f"generate.py report --bucket-dir {runner.bucket_dir}\n" in section


# --- links: every relative link of the README and its pages reaches a file, and a heading --------


def without_code(text: str) -> str:
    """The text without fenced code blocks (a ``#`` there is a comment, not a heading)."""
    return re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)


def anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(text: str) -> set[str]:
    found: Counter[str] = Counter()
    names = set()
    for heading in re.findall(r"^#{1,6} (.+)$", without_code(text), flags=re.M):
        name = anchor(heading)
        names.add(f"{name}-{found[name]}" if found[name] else name)  # GitHub numbers repeats
        found[name] += 1
    return names


def relative_links(text: str) -> list[str]:
    """Every link and image target that is not a URL: ``path``, ``path#anchor`` or ``#anchor``."""
    targets = re.findall(r"\]\(([^)\s]+)\)", without_code(text))
    return [t for t in targets if not re.match(r"[a-z][a-z0-9+.-]*:", t)]


def broken_links(path: Path) -> list[str]:
    broken = []
    for link in relative_links(path.read_text(encoding="utf-8")):
        target, _, fragment = link.partition("#")
        file = (path.parent / target).resolve() if target else path
        if not file.is_file():
            broken.append(f"{link}: no such file")
        elif fragment and fragment not in anchors(file.read_text(encoding="utf-8")):
            broken.append(f"{link}: no such heading")
    return broken


@pytest.mark.parametrize("path", PAGES, ids=lambda path: path.name)
def test_every_relative_link_resolves(path):
    assert broken_links(path) == []


def test_every_docs_page_is_linked_from_the_readme():
    linked = {
        (ROOT / link.partition("#")[0]).resolve()
        for link in relative_links(README)
        if link.startswith("docs/")
    }
    assert sorted(p.name for p in PAGES[1:] if p.resolve() not in linked) == []


def test_the_link_checks_catch_a_missing_file_and_a_missing_heading(tmp_path):
    (tmp_path / "other.md").write_text("# The clicks API\n\n## config.js and the CSP\n")
    page = tmp_path / "page.md"
    page.write_text(
        "# Here\n\n```bash\n# not a heading\n```\n\n"
        "[a](other.md#configjs-and-the-csp) [b](other.md#the-clicks-api) [c](#here) "
        "[d](https://example.com/x#y) [e](missing.md) [f](other.md#missing) [g](#not-a-heading)\n"
    )
    assert broken_links(page) == [
        "missing.md: no such file",
        "other.md#missing: no such heading",
        "#not-a-heading: no such heading",
    ]
    assert anchor("What the local runner protects, and what it does not") == (
        "what-the-local-runner-protects-and-what-it-does-not"
    )


# --- commands: each shown once, each runnable as written from a fresh clone ----------------------


def commands(text: str) -> list[str]:
    """The command lines of the ``bash`` blocks: continued lines joined, comments dropped."""
    found = []
    for block in re.findall(r"^ *```bash\n(.*?)^ *```", text, flags=re.S | re.M):
        for line in block.replace("\\\n", " ").splitlines():
            line = " ".join(re.sub(r"(^|\s)#.*$", "", line).split())
            if line:
                found.append(line)
    return found


def inline_code(text: str) -> list[str]:
    return [" ".join(span.split()) for span in re.findall(r"`([^`]+)`", without_code(text))]


def outside_the_venv(command: str) -> bool:
    """A command that needs the project's packages but does not name ``.venv``'s tools."""
    if command in ("python", "tox") or command.startswith("python3 -m venv "):
        return False  # "type `python`" once .venv is active; the command that makes .venv
    return bool(re.match(r"(python3?|pytest|tox)(\s|$)", command))


def test_each_command_of_the_readme_is_shown_once():
    shown = Counter(commands(README))
    assert [command for command, count in shown.items() if count > 1] == []
    assert shown["make run"] == shown["make test"] == 1


@pytest.mark.parametrize("path", PAGES, ids=lambda path: path.name)
def test_every_command_runs_from_a_fresh_clone(path):
    text = path.read_text(encoding="utf-8")
    assert [c for c in commands(text) + inline_code(text) if outside_the_venv(c)] == []
    assert not re.search(r"(?<![/\w])(python3? generate\.py|pytest tests)", text)


def test_no_command_writes_into_the_repository_root():
    written = re.findall(r"--(?:screenshot=|html )(\S+)", " ".join(commands(README)))
    assert written
    assert [p for p in written if not (p.startswith("/") or p.startswith("test-artifacts/"))] == []


def test_the_command_checks_catch_a_repeat_and_a_bare_tool():
    text = (
        "```bash\nmake run   # serve\n.venv/bin/python generate.py \\\n  --check\n```\n"
        "Then `python generate.py report` or `pytest tests/web`, in `.venv` type `python`.\n"
        "```bash\nmake run\ntox -e lint\n```\n"
    )
    assert commands(text) == [
        "make run",
        ".venv/bin/python generate.py --check",
        "make run",
        "tox -e lint",
    ]
    bare = [c for c in commands(text) + inline_code(text) if outside_the_venv(c)]
    assert bare == ["tox -e lint", "python generate.py report", "pytest tests/web"]
