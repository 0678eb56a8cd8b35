"""Measure the letters engine against WeasyPrint, side by side, on the same letters, on one core.

Run: .venv/bin/python bench/letters.py [--letters 300] [--weasyprint-letters 40]
                                     [--one-document-letters 100] [--json out.json]

It renders a mix of all 15 letter types (sample and edge data) four ways:

* Typst batch: `render_letters`, one warm compiler, each letter compiled on its own;
* Typst one at a time: `render_letter` per letter (median and 95th percentile latency);
* Typst one document: all letters in one Typst document, split into per-letter PDFs with
  pypdf (the alternative the engine did not choose: measured, not used);
* WeasyPrint: one call per letter, on an equivalent HTML of the same letters. The HTML body
  is Typst's own HTML export of the same Typst source (same text, headings, lists, tables),
  framed with the same letterhead, address window, footer and a print stylesheet. Its timing
  covers only HTML to PDF, not templating, which favours WeasyPrint.

It also times a cold start (a new process: font scan, compiler, first letter) and prints a
table with pages/s, the ratio against WeasyPrint, the median and 95th percentile time of a
single letter, and pages per second of CPU time (steadier than wall time on a busy machine).
"""

from __future__ import annotations

import argparse
import html
import importlib.metadata
import io
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# One core: pin before typst (and its thread pool) loads.
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
os.environ.setdefault("RAYON_NUM_THREADS", "1")

import pypdf
import typst

from missing_education.letters import (
    LETTER_TYPES,
    Letterhead,
    render_letter,
    render_letters,
    sample_context,
    sample_letterhead,
)
from missing_education.letters.markup import long_date
from missing_education.letters.rendering import letter_source
from missing_education.letters.template_sources import templates_dir
from missing_education.letters.typesetting import count_pages, font_dirs

Item = tuple[str, Mapping[str, Any]]


def letter_mix(count: int) -> list[Item]:
    """`count` letters cycling through every type, sample and edge data, each its own reference.

    Sample and edge letters alternate, so any first part of the mix has as many of each.
    """
    items: list[Item] = []
    for number in range(count):
        letter_type = LETTER_TYPES[number % len(LETTER_TYPES)]
        context = sample_context(letter_type, edge=number % 2 == 1)
        context["case_reference"] = f"CME-{100000 + number}"
        items.append((letter_type, context))
    return items


@dataclass
class Run:
    """One way of rendering: how many letters and pages, wall and CPU seconds, per-letter times."""

    name: str
    letters: int
    pages: int = 0
    wall: float = 0.0
    cpu: float = 0.0
    times: list[float] = field(default_factory=list)

    def pages_per_second(self) -> float:
        """Pages per wall-clock second."""
        return self.pages / self.wall

    def pages_per_cpu_second(self) -> float:
        """Pages per second of this process's CPU time."""
        return self.pages / self.cpu


class Stopwatch:
    """Adds the wall-clock and CPU time of a `with` block to a Run."""

    def __init__(self, run: Run) -> None:
        self.run = run

    def __enter__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def __exit__(self, *_: object) -> None:
        self.run.wall += time.perf_counter() - self.wall
        self.run.cpu += time.process_time() - self.cpu


def typst_batch(name: str, items: Sequence[Item], letterhead: Letterhead) -> Run:
    """render_letters over all items."""
    run = Run(name, len(items))
    with Stopwatch(run):
        letters = render_letters(items, letterhead)
    run.pages = sum(letter.pages for letter in letters)
    return run


def typst_one_at_a_time(name: str, items: Sequence[Item], letterhead: Letterhead) -> Run:
    """render_letter per item, timing each call."""
    run = Run(name, len(items))
    for letter_type, context in items:
        start = time.perf_counter()
        with Stopwatch(run):
            run.pages += render_letter(letter_type, context, letterhead).pages
        run.times.append(time.perf_counter() - start)
    return run


def typst_one_document(
    name: str, items: Sequence[Item], letterhead: Letterhead, page_counts: Sequence[int]
) -> Run:
    """All letters compiled as one Typst document, then split into one PDF per letter."""
    compiler = typst.Compiler(font_paths=[str(d) for d in font_dirs()], ignore_system_fonts=True)
    stylesheet = (templates_dir() / "stylesheet.typ").read_text(encoding="utf-8")
    run = Run(name, len(items))
    with Stopwatch(run):
        parts = [stylesheet, '#set document(title: "Print batch")']
        root = templates_dir()
        for letter_type, context in items:
            source, root = letter_source(letter_type, context, letterhead)
            body = source[source.index("#show: letter-page") :]
            parts.append(f"#counter(page).update(1)\n#[\n{body}\n]\n#pagebreak(weak: true)")
        batch = compiler.compile(input="\n".join(parts).encode(), format="pdf", root=str(root))
        assert isinstance(batch, bytes)
        reader = pypdf.PdfReader(io.BytesIO(batch))
        first = 0
        for pages in page_counts:
            writer = pypdf.PdfWriter()
            writer.append(reader, pages=(first, first + pages))
            writer.write(io.BytesIO())
            first += pages
    run.pages = len(reader.pages)
    if first != run.pages:
        print(f"  note: one document has {run.pages} pages, the letters alone {first}")
    return run


PRINT_CSS = """
@page { size: A4; margin: 15mm 20mm 22mm 20mm;
  @bottom-left { content: "Reference " string(reference); font: 8.5pt "Noto Sans"; color: #505a5f; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages);
    font: 8.5pt "Noto Sans"; color: #505a5f; } }
body { font-family: "Noto Sans", "Noto Sans Arabic", "Noto Sans Devanagari", "Noto Sans CJK SC",
  "DejaVu Sans", sans-serif; font-size: 11pt; color: #0b0c0c; line-height: 1.35; }
.top { height: 68mm; position: relative; }
.logo { position: absolute; left: 0; top: 0; height: 20mm; }
.sender { position: absolute; right: 0; top: 0; width: 66mm; font-size: 8.5pt; line-height: 1.25; }
.sender b { font-size: 9.5pt; }
.reference { margin-top: 5mm; font-size: 9.5pt; }
.reference span { display: inline-block; width: 26mm; color: #505a5f; }
.window { position: absolute; left: 5mm; top: 35mm; width: 80mm; font-size: 10.5pt;
  line-height: 1.2; string-set: reference attr(data-reference); }
h2 { font-size: 14.5pt; margin: 0 0 5mm; }
h3 { font-size: 11.5pt; margin: 5mm 0 2.2mm; break-after: avoid; }
p { margin: 0 0 0.8em; }
table { width: 100%; border-collapse: collapse; margin: 2mm 0 4mm; }
td { border-bottom: 0.5pt solid #b1b4b6; padding: 1.8mm 0; vertical-align: top; }
td:first-child { width: 48mm; font-weight: bold; }
.signoff { margin-top: 6mm; break-inside: avoid; }
.privacy { margin-top: 5mm; border-top: 0.5pt solid #b1b4b6; padding-top: 3mm; font-size: 8.5pt;
  color: #505a5f; }
body > div:not(.top):not(.signoff):not(.privacy):not(.end) { background: #f3f2f1;
  border-left: 4pt solid #0b0c0c; padding: 3.5mm 5mm; margin: 4mm 0; font-weight: bold; }
.end { text-align: center; font-size: 9pt; margin-top: 3mm; }
"""


def equivalent_html(letter_type: str, context: Mapping[str, Any], letterhead: Letterhead) -> str:
    """The letter as HTML: Typst's HTML export of its body inside the same letterhead frame."""
    source, root = letter_source(letter_type, context, letterhead)
    compiler = _html_compiler()
    exported, _warnings = compiler.compile_with_warnings(
        input=source.encode(), format="html", root=str(root)
    )
    assert isinstance(exported, bytes)
    text = exported.decode("utf-8")
    body = text[text.index("<body>") + len("<body>") : text.index("</body>")]
    body = body.replace("<div></div>", "", 1)  # where the Typst letterhead was
    body = body.replace("<div><p>Yours sincerely", '<div class="signoff"><p>Yours sincerely')
    body = body.replace("<div><strong>How we use", '<div class="privacy"><strong>How we use')
    recipient = context["recipient"]
    lines = [recipient["name"], recipient.get("organisation"), *recipient["address_lines"]]
    address = "<br>".join(html.escape(line) for line in lines if line)
    sender = "<br>".join(
        html.escape(part)
        for part in (
            letterhead.service_name,
            *letterhead.address_lines,
            f"Phone: {letterhead.phone}",
            f"Email: {letterhead.email}",
        )
    )
    logo = (
        f'<img class="logo" src="{letterhead.logo_path.as_uri()}" alt="logo">'
        if letterhead.logo_path
        else ""
    )
    reference = html.escape(str(context["case_reference"]))
    return (
        f'<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
        f"<style>{PRINT_CSS}</style></head><body>"
        f'<div class="top">{logo}<div class="sender"><b>{html.escape(letterhead.council_name)}'
        f'</b><br>{sender}<div class="reference"><span>Our reference</span><b>{reference}</b>'
        f"<br><span>Date</span>{long_date(context['letter_date'])}</div></div>"
        f'<div class="window" data-reference="{reference}">{address}</div></div>'
        f'{body}<div class="end"><b>End of letter</b></div></body></html>'
    )


_COMPILERS: dict[str, typst.Compiler] = {}


def _html_compiler() -> typst.Compiler:
    if "html" not in _COMPILERS:
        folders = [str(d) for d in font_dirs()]
        _COMPILERS["html"] = typst.Compiler(font_paths=folders, ignore_system_fonts=True)
    return _COMPILERS["html"]


def weasyprint_per_letter(name: str, documents: Sequence[str]) -> Run:
    """One WeasyPrint call per letter, HTML string to PDF bytes."""
    import weasyprint

    base_url = str(templates_dir())
    weasyprint.HTML(string=documents[0], base_url=base_url).write_pdf()  # warm up fonts
    run = Run(name, len(documents))
    for document in documents:
        start = time.perf_counter()
        with Stopwatch(run):
            pdf = weasyprint.HTML(string=document, base_url=base_url).write_pdf()
            run.pages += count_pages(pdf)
        run.times.append(time.perf_counter() - start)
    return run


def cold_start_ms() -> float:
    """Milliseconds for a new process to load fonts, build the compiler and render one letter."""
    code = (
        "import time; from missing_education.letters import preview; "
        "start = time.perf_counter(); preview('school_enquiry'); "
        "print((time.perf_counter() - start) * 1000)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return float(result.stdout.strip())


def main() -> None:
    """Run the comparison and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=300, help="letters for the Typst runs")
    parser.add_argument(
        "--weasyprint-letters", type=int, default=40, help="of those, how many WeasyPrint renders"
    )
    parser.add_argument(
        "--one-document-letters", type=int, default=100, help="of those, how many in one document"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    arguments = parser.parse_args()
    letterhead = sample_letterhead()
    items = letter_mix(arguments.letters)
    same_items = items[: arguments.weasyprint_letters]

    cold = cold_start_ms()
    render_letter(*items[0], letterhead)  # warm the shared compiler and the template cache
    batch = typst_batch("Typst batch (render_letters)", items, letterhead)
    single = typst_one_at_a_time("Typst one at a time", items, letterhead)
    same = typst_one_at_a_time("Typst, WeasyPrint's letters", same_items, letterhead)
    documents = [equivalent_html(t, c, letterhead) for t, c in same_items]
    weasy = weasyprint_per_letter("WeasyPrint, one call per letter", documents)
    # Last: one big document fills Typst's process-wide caches, which slows what follows.
    document_items = items[: arguments.one_document_letters]
    page_counts = [letter.pages for letter in render_letters(document_items, letterhead)]
    document = typst_one_document(
        "Typst one document + split", document_items, letterhead, page_counts
    )

    cpus = sorted(os.sched_getaffinity(0))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"One core (cpu {cpus}), typst {importlib.metadata.version('typst')}, "
        f"load average {load:.1f} (wall-clock figures suffer when the machine is busy)"
    )
    print(
        f"{'engine':30} {'letters':>7} {'pages':>5} {'pages/s':>8} {'vs WP':>6} "
        f"{'pages/CPU s':>11} {'vs WP':>6} {'median ms':>9} {'p95 ms':>7}"
    )
    for run in (batch, single, document, same, weasy):
        times = sorted(run.times)
        median = f"{statistics.median(times) * 1000:.1f}" if times else "-"
        p95 = f"{times[max(0, int(len(times) * 0.95) - 1)] * 1000:.1f}" if times else "-"
        wall_ratio = run.pages_per_second() / weasy.pages_per_second()
        cpu_ratio = run.pages_per_cpu_second() / weasy.pages_per_cpu_second()
        print(
            f"{run.name:30} {run.letters:7d} {run.pages:5d} {run.pages_per_second():8.1f} "
            f"{wall_ratio:5.1f}x {run.pages_per_cpu_second():11.1f} {cpu_ratio:5.1f}x "
            f"{median:>9} {p95:>7}"
        )
    print(f"Cold start, new process, first letter: {cold:.0f} ms")
    typst_median, weasy_median = statistics.median(same.times), statistics.median(weasy.times)
    print(
        f"Same letters: Typst median {typst_median * 1000:.1f} ms, WeasyPrint median "
        f"{weasy_median * 1000:.1f} ms: {weasy_median / typst_median:.0f}x per letter, "
        f"{weasy.cpu / same.cpu:.0f}x in CPU time per letter"
    )
    if arguments.json:
        figures = {
            "cpus": cpus,
            "typst": importlib.metadata.version("typst"),
            "load_average": load,
            "cold_start_ms": cold,
            "runs": {
                key: _figures(run)
                for key, run in (
                    ("batch", batch),
                    ("one_at_a_time", single),
                    ("one_document", document),
                    ("typst_same_letters", same),
                    ("weasyprint", weasy),
                )
            },
            "same_letters_median_ratio": weasy_median / typst_median,
            "same_letters_cpu_ratio": weasy.cpu / same.cpu,
        }
        arguments.json.parent.mkdir(parents=True, exist_ok=True)
        arguments.json.write_text(json.dumps(figures, indent=2) + "\n")


def _figures(run: Run) -> dict[str, Any]:
    """One run's figures for --json (times in milliseconds)."""
    times = sorted(run.times)
    return {
        "name": run.name,
        "letters": run.letters,
        "pages": run.pages,
        "wall_seconds": run.wall,
        "cpu_seconds": run.cpu,
        "pages_per_second": run.pages_per_second(),
        "pages_per_cpu_second": run.pages_per_cpu_second(),
        "median_ms": statistics.median(times) * 1000 if times else None,
        "p95_ms": times[max(0, int(len(times) * 0.95) - 1)] * 1000 if times else None,
    }


if __name__ == "__main__":
    main()
