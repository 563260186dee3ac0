"""The documentation site holds everything the README used to, and the README stays a first screen.

``readme_headings.txt`` lists every heading of the README as it was at commit 1b250bf, before
the manual moved to ``docs/``; each must be a heading of some page of the site (any level).
The site itself is built (``mkdocs build --strict``, notebooks executed) by ``make docs``, which
CI runs after the tests; these checks read the Markdown sources only.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from sim.analysis.generated_blocks import HOMES, block_pattern, home, read_block, rewrite_block

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
HEADINGS = Path(__file__).with_name("readme_headings.txt")
README_MAX_LINES = 250


def site_headings() -> set[str]:
    """Every Markdown heading of every page under docs/ (text only, outside code blocks)."""
    found = set()
    for page in DOCS.rglob("*.md"):
        text = re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.S | re.M)
        found.update(m.group(1).strip() for m in re.finditer(r"^#{1,6}\s+(.+?)\s*#*$", text,
                                                                 re.M))
    return found


def test_every_old_readme_heading_is_in_the_site() -> None:
    wanted = [h for h in HEADINGS.read_text(encoding="utf-8").splitlines() if h.strip()]
    assert len(wanted) >= 15
    missing = [h for h in wanted if h not in site_headings()]
    assert not missing, f"headings of the README (1b250bf) missing from docs/: {missing}"


def test_heading_parser_ignores_code() -> None:
    assert "Sweeps" in site_headings() and "Tidy results" in site_headings()
    assert "ccsim run -m 'seed=range(0,5)'" not in site_headings()


def test_readme_is_a_first_screen() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= README_MAX_LINES
    assert "![" in text, "the README shows one figure"
    for link in re.findall(r"\]\(((?:docs/)[^)#]+)", text):
        if link != "docs/security.md":  # written by other work; the site links it once it exists
            assert (ROOT / link).exists(), f"README links {link}, which does not exist"


def test_nav_names_existing_pages() -> None:
    nav = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8").replace(
        "!!python", "#"))["nav"]
    pages: list[str] = []

    def walk(items: list) -> None:
        for item in items:
            value = next(iter(item.values())) if isinstance(item, dict) else item
            walk(value) if isinstance(value, list) else pages.append(value)

    walk(nav)
    generated = {"educator/lessons/index.md"}  # docs/hooks.py makes the lesson pages
    optional = {"security.md"}
    missing = [p for p in pages if not (DOCS / p).exists() and p not in generated | optional]
    assert not missing, f"mkdocs.yml's nav names pages that do not exist: {missing}"
    orphans = [p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")
               if p.relative_to(DOCS).as_posix() not in pages]
    assert not orphans, f"pages not in mkdocs.yml's nav: {orphans}"


def test_generated_tables_live_where_their_writers_look() -> None:
    for name, path in HOMES.items():
        assert read_block(ROOT / path, name) is not None, f"{path} has no block {name!r}"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in ("scenarios", "calibration", "benchmark"):
        assert not block_pattern(name).search(readme), f"README still holds block {name!r}"
    assert home("scenarios") == DOCS / "results.md"


def test_an_empty_block_can_be_filled(tmp_path: Path) -> None:
    page = tmp_path / "p.md"
    page.write_text("a\n<!-- BEGIN GENERATED: claims -->\n<!-- END GENERATED: claims -->\nb\n",
                    encoding="utf-8")
    assert read_block(page, "claims") == ""
    rewrite_block(page, "claims", "| claim |\n")
    assert read_block(page, "claims") == "| claim |\n"


def test_lesson_pages_ask_the_question_and_say_what_to_watch() -> None:
    import importlib.util

    pytest.importorskip("mkdocs", reason="the docs extra (make docs, or .ci/run) is not installed")
    spec = importlib.util.spec_from_file_location("docs_hooks", DOCS / "hooks.py")
    hooks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hooks)
    from sim.app.lessons import LESSONS

    for lesson in LESSONS:
        page = hooks.lesson_page(lesson)
        assert page.startswith(f"# {lesson.question}\n")
        assert "## What to watch" in page and f"--lesson {lesson.key}" in page
    index = hooks.lessons_index()
    assert all(f"({lesson.key}.md)" in index for lesson in LESSONS)
