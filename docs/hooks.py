"""MkDocs hooks: pages made from the code when the site is built, so they cannot go stale.

- One page per lesson of the dashboard (``sim/app/lessons.py``) under ``educator/lessons/``,
  with an index, added to the navigation under "Lessons".
- The data dictionary (``sim/columns.py``) rendered where a page says ``<!-- ccsim:columns -->``.
- Pages other parts of the project write (:data:`OPTIONAL_PAGES`) are left out of the
  navigation, with a note in the log, while they do not exist yet.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

LOG = logging.getLogger("mkdocs.hooks.ccsim")
LESSONS_DIR = "educator/lessons"
COLUMNS_MARK = "<!-- ccsim:columns -->"
#: Pages that other work adds (linked from the navigation once they exist).
OPTIONAL_PAGES = ("security.md",)


def _lessons() -> tuple[Any, ...]:
    from sim.app.lessons import LESSONS

    return LESSONS


def _dashboard_command(lesson: Any) -> str:
    return f"ccsim dashboard --lesson {lesson.key}"


def lesson_page(lesson: Any) -> str:
    """The Markdown page of one lesson: its question, what to watch, what answers it, the passage.

    The answer is the first line of the lesson's answer function (:mod:`sim.app.answers`).
    """
    from sim.app.answers import ANSWERS

    overrides = " ".join(lesson.overrides)
    run = f"ccsim run {overrides}".rstrip()
    answer = (ANSWERS[lesson.answer].__doc__ or "").strip().splitlines()[0]
    lines = [f"# {lesson.question}", "",
             f"Open it with `{_dashboard_command(lesson)}` (or pick it from the *Lesson* list of "
             "the dashboard's live mode), press ▶ and watch the market step.", "",
             "## What to watch", "", lesson.watch, "",
             "## The numbers that answer it", "",
             f"Under the lesson the page shows, for the month on screen: {answer[0].lower()}"
             f"{answer[1:]}", "",
             "## The set-up", "", lesson.setup, "",
             "## The market", "",
              (f"The lesson's configuration: `{overrides}` on top of the dashboard's defaults "
               if overrides else "The dashboard's default market ") +
              f"(the same market from the command line: `{run}`).", "",
              "## The essay's words", "", f"> {lesson.passage}", ">",
              f"> — {lesson.source}", "",
              "## For the class", "",
              "- Before pressing ▶, ask everyone to write down what they expect and why.",
              "- Stop at the end of year 1 (step 12) and again at the end: what changed, and "
              "which number on the page shows it?",
              "- Change one control, press Reset, and run it again: does the answer hold?", "",
              "The model answers with whatever its customers do; a lesson never fixes the "
              "outcome. The [classroom plan](../classroom.md) puts the lessons in an order for "
              "a session.", ""]
    return "\n".join(lines)


def lessons_index() -> str:
    """The index of the lessons."""
    lines = ["# Lessons", "",
             "Each lesson loads a market into the dashboard and asks one question. The answer "
             "is whatever the model shows: the pages say what to watch, not what to find.", "",
             "| lesson | open with |", "|---|---|"]
    lines += [f"| [{lesson.question}]({lesson.key}.md) | `{_dashboard_command(lesson)}` |"
              for lesson in _lessons()]
    return "\n".join(lines) + "\n"


def on_config(config: Any) -> Any:
    """Put every lesson into the navigation; drop optional pages that do not exist yet."""
    docs = Path(config["docs_dir"])

    def visit(items: list) -> list:
        out = []
        for item in items:
            if isinstance(item, dict):
                (title, value), = item.items()
                if isinstance(value, list):
                    out.append({title: visit(value)})
                    continue
                if value in OPTIONAL_PAGES and not (docs / value).exists():
                    LOG.info("%s does not exist yet: left out of the navigation", value)
                    continue
                if value == f"{LESSONS_DIR}/index.md":
                    out.append({title: [value, *({lsn.question: f"{LESSONS_DIR}/{lsn.key}.md"}
                                                 for lsn in _lessons())]})
                    continue
            out.append(item)
        return out

    config["nav"] = visit(config["nav"])
    return config


def on_files(files: Any, config: Any) -> Any:
    """Add the generated lesson pages."""
    files.append(File.generated(config, f"{LESSONS_DIR}/index.md", content=lessons_index()))
    for lesson in _lessons():
        files.append(File.generated(config, f"{LESSONS_DIR}/{lesson.key}.md",
                                    content=lesson_page(lesson)))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Render the data dictionary where a page asks for it."""
    if COLUMNS_MARK in markdown:
        from sim.columns import markdown as dictionary

        markdown = markdown.replace(COLUMNS_MARK, dictionary(heading="##"))
    return markdown
