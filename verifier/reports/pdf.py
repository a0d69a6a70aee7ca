"""Paginated PDF report with fpdf2: the same content as the HTML report, no browser engine.

Text is drawn, never interpreted, so hostile strings stay text. A Unicode font (DejaVu, from
the system or beside the package) is used when found; otherwise the PDF core font, with
characters it lacks replaced."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from verifier.matching.wording import distances_text, found_by
from verifier.reports.context import data_uri_bytes

log = logging.getLogger(__name__)

_FONT_DIRS = [
    Path(__file__).parent / "fonts",
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/Library/Fonts"),
    Path("C:/Windows/Fonts"),
]
_RATING_COLOURS = {
    "Verified authentic": (46, 125, 50),
    "Manipulated": (198, 40, 40), "Fabricated": (198, 40, 40), "Staged": (198, 40, 40),
    "Authentic but out of context": (239, 108, 0), "Edited or cropped": (239, 108, 0),
    "Satire": (239, 108, 0),
}
_GREY = (107, 119, 133)


def _find_font() -> tuple[Path, Path] | None:
    for folder in _FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


class _ReportPDF(FPDF):
    def __init__(self, case_id: str, title: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.case_id = case_id
        self.report_title = title
        self.set_auto_page_break(auto=True, margin=16)
        self.set_margins(15, 15, 15)
        fonts = _find_font()
        if fonts:
            self.add_font("Body", "", str(fonts[0]))
            self.add_font("Body", "B", str(fonts[1]))
            self.family = "Body"
            self.unicode = True
        else:
            log.warning("no Unicode font found; the PDF uses Helvetica and may lose characters")
            self.family = "Helvetica"
            self.unicode = False

    def text_(self, value: object) -> str:
        text = "" if value is None else str(value)
        if not self.unicode:
            text = text.encode("latin-1", "replace").decode("latin-1")
        return text

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.family, "", 7.5)
        self.set_text_color(*_GREY)
        self.cell(0, 5, self.text_(f"{self.report_title} · case {self.case_id}"), align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(0, 0, 0)


def render_pdf(context: dict[str, Any]) -> bytes:
    case = context["case"]
    pdf = _ReportPDF(case["id"], "Verification report")
    pdf.set_title(f"Verification report - {case['name']}")
    pdf.set_creator(f"{context['app']['name']} {context['app']['version']}")
    pdf.set_author(context.get("analyst") or "")
    pdf.add_page()
    w = _Writer(pdf)
    w.title("Verification report")
    w.muted(f"Case {case['name']} · ID {case['id']} · generated {context['generated_at']} by "
            f"{context['analyst']} · {context['app']['name']} {context['app']['version']}")
    w.heading("Summary")
    if not context["claims"]:
        w.para("No claims were found or recorded.")
    for c in context["claims"]:
        w.claim(c)
    if context.get("integrity_problems"):
        w.heading("Integrity")
        w.flag("This case does not match what was recorded",
               "; ".join(context["integrity_problems"]))
    if context.get("article"):
        art = context["article"]
        w.heading("Article")
        w.table([("Title", art.get("title")), ("Source", art.get("source")),
                 ("URL", art.get("url")), ("Author", art.get("author")),
                 ("Published", art.get("published")), ("Fetched", art.get("fetched_at")),
                 ("SHA-256 of what was read", art.get("raw_sha256"))])
    w.heading("Media")
    for m in context["media"]:
        w.media(m)
    w.heading("Verdict history")
    rows = [(str(c["id"]), v["created_at"], v["analyst"], v["rating"],
             f"{v['confidence_label']} ({v['confidence'] * 100:.0f}%)", v["rationale"])
            for c in context["claims"] for v in c["history"]]
    w.grid(("Claim", "When", "Analyst", "Rating", "Confidence", "Rationale"), rows,
           (12, 34, 26, 30, 22, 56))
    method = context["method"]
    w.heading("Method")
    corpus = method.get("corpus")
    w.table([
        ("Application", f"{context['app']['name']} {method['app_version']}"),
        ("Analysts", ", ".join(method["analysts"])),
        ("Case created", f"{method['case_created']}; last change {method['last_event']}"),
        ("Corpus", f"{corpus['name']} · {corpus['items']} items · snapshot {corpus['snapshot']}"
         if corpus else None),
    ])
    w.grid(("Step", "When", "By", "Parameters"),
           [(s["step"], s["at"], s["actor"], json.dumps(s["parameters"], sort_keys=True))
            for s in method["steps"]], (30, 34, 26, 90), small=True)
    w.heading("Chain of custody")
    intact = ("the hash chain is intact." if context["audit_intact"]
              else "the hash chain is BROKEN: the history was altered.")
    w.para(f"Audit trail head: {context['audit_head']} — {intact}")
    w.grid(("#", "When", "Who", "Action", "Detail"),
           [(str(e["id"]), e["at"], e["actor"], e["action"],
             json.dumps(e["detail"], sort_keys=True, ensure_ascii=False))
            for e in context["audit"]],
           (9, 34, 26, 30, 81), small=True)
    return bytes(pdf.output())


class _Writer:
    """Small layout helpers so the report code reads like the document."""

    def __init__(self, pdf: _ReportPDF) -> None:
        self.pdf = pdf
        self.width = pdf.w - pdf.l_margin - pdf.r_margin

    def _font(self, size: float, bold: bool = False) -> None:
        self.pdf.set_font(self.pdf.family, "B" if bold else "", size)

    def _line(self, text: str, size: float = 9.5, bold: bool = False, h: float = 5.0) -> None:
        self._font(size, bold)
        self.pdf.multi_cell(self.width, h, self.pdf.text_(text), new_x=XPos.LMARGIN,
                            new_y=YPos.NEXT, align="L")

    def title(self, text: str) -> None:
        self._line(text, 18, True, 9)

    def heading(self, text: str) -> None:
        if self.pdf.get_y() > self.pdf.h - 40:
            self.pdf.add_page()
        self.pdf.ln(3)
        self._line(text, 13, True, 7)
        y = self.pdf.get_y()
        self.pdf.set_draw_color(214, 221, 228)
        self.pdf.line(self.pdf.l_margin, y, self.pdf.l_margin + self.width, y)
        self.pdf.ln(2)

    def subheading(self, text: str) -> None:
        if self.pdf.get_y() > self.pdf.h - 50:  # never leave a heading alone at a page's foot
            self.pdf.add_page()
        self.pdf.ln(1.5)
        self._line(text, 10.5, True, 6)

    def para(self, text: str) -> None:
        self._line(text)

    def muted(self, text: str) -> None:
        self.pdf.set_text_color(*_GREY)
        self._line(text, 8.5, h=4.5)
        self.pdf.set_text_color(0, 0, 0)

    def badge(self, rating: str) -> None:
        colour = _RATING_COLOURS.get(rating, _GREY)
        self._font(8.5, True)
        self.pdf.set_fill_color(*colour)
        self.pdf.set_text_color(255, 255, 255)
        label = self.pdf.text_(f" {rating} ")
        self.pdf.cell(self.pdf.get_string_width(label) + 2, 5.5, label, fill=True,
                      new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.pdf.set_text_color(0, 0, 0)

    def claim(self, c: dict[str, Any]) -> None:
        verdict = c.get("verdict")
        self.pdf.ln(1.5)
        self.badge(verdict["rating"] if verdict else "Unverified")
        self._line(f"“{c['text']}”", 10, h=5.2)
        self.muted(f"Claim {c['id']} · kinds: {', '.join(c['kinds'])} · cues: "
                   f"{', '.join(c['cues'])}" + (f" · media #{c['media_id']}" if c["media_id"]
                                               else ""))
        if verdict:
            self.muted(f"confidence {verdict['confidence_label']} "
                       f"({verdict['confidence'] * 100:.0f}%) · {verdict['analyst']}, "
                       f"{verdict['created_at']}")
            self._line(f"Rationale: {verdict['rationale']}", 9.5)
            for r in verdict.get("reasons_text", []):
                self._line(f"• {r}", 9)
            for e in verdict.get("evidence_items", []):
                note = f" — {e['note']}" if e.get("note") else ""
                self._line(f"Evidence {e['kind']}: {e['ref']}{note}", 9)
            for e in verdict.get("evidence", []):
                self._line(f"Evidence: {e}", 9)

    def flag(self, title: str, text: str) -> None:
        self.pdf.set_fill_color(253, 236, 234)
        self._font(9, True)
        self.pdf.multi_cell(self.width, 5, self.pdf.text_(f"{title}."), fill=True,
                            new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
        self._font(9)
        self.pdf.multi_cell(self.width, 4.6, self.pdf.text_(text), fill=True,
                            new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
        self.pdf.ln(1)

    def credentials(self, cr: dict[str, Any]) -> None:
        """Content Credentials: the verdict line, what it means, each manifest, failed checks."""
        self.subheading("Content Credentials")
        self._line(cr.get("summary", ""), 9.5, True)
        self.muted(cr.get("note", ""))
        for man in cr.get("manifests", []):
            actions = "\n".join(
                " · ".join(x for x in (f"{a['label']} ({a['action']})",
                                       f"with {a['software_agent']}" if a.get("software_agent")
                                       else "", a.get("source_type_label", ""),
                                       a.get("when", ""), a.get("description", "")) if x)
                for a in man.get("actions", []))
            ingredients = "\n".join(
                f"{i['title']} ({i.get('relationship') or 'ingredient'})"
                + (f" {i['hash']}" if i.get("hash") else "")
                + (f" · its own credentials {i['manifest']}" if i.get("manifest") else "")
                for i in man.get("ingredients", []))
            self.table([
                ("Manifest", f"{man.get('title') or '(untitled)'}"
                             f"{' (active)' if man.get('active') else ' (of an ingredient)'}"),
                ("Signer", man.get("signer", "") + (f" · issued by {man['issuer']}"
                                                    if man.get("issuer") else "")),
                ("Signing time", man.get("signing_time") or "no trusted time stamp"),
                ("Claim generator", man.get("claim_generator")),
                ("Author", "; ".join(man.get("authors", []))),
                ("Actions", actions), ("Ingredients", ingredients),
                ("AI statements", "; ".join(man.get("ai_assertions", []))),
            ])
        failed = cr.get("validation", [])
        if failed:
            self.grid(("Check that did not pass", "What it means"),
                      [(v["code"], v["explanation"]) for v in failed], (60, 120))

    def table(self, rows: list[tuple[str, Any]]) -> None:
        self.grid(None, [(k, str(v)) for k, v in rows if v not in (None, "")], (45, 135))

    def grid(self, header: tuple[str, ...] | None, rows: Sequence[Sequence[Any]],
             widths: tuple[float, ...], small: bool = False) -> None:
        if not rows:
            return
        scale = self.width / sum(widths)
        size = 7.5 if small else 8.5
        self._font(size)
        self.pdf.set_fill_color(255, 255, 255)
        self.pdf.set_draw_color(214, 221, 228)
        heading = FontFace(emphasis="BOLD", fill_color=(238, 242, 245))
        with self.pdf.table(col_widths=tuple(w * scale for w in widths), width=self.width,
                            first_row_as_headings=header is not None, line_height=size * 0.5,
                            text_align="LEFT", headings_style=heading,
                            cell_fill_mode="NONE", padding=0.8,
                            borders_layout="HORIZONTAL_LINES" if small else "ALL") as table:
            if header:
                row = table.row()
                for h in header:
                    row.cell(self.pdf.text_(h))
            for values in rows:
                row = table.row()
                for v in values:
                    row.cell(self.pdf.text_(v))
        self.pdf.ln(1.5)

    def image(self, uri: str | None, max_w: float = 60, max_h: float = 45) -> None:
        self.images([(uri, "")], max_w, max_h)

    def images(self, items: list[tuple[str | None, str]], max_w: float,
               max_h: float) -> None:
        """Pictures side by side, each with a caption under it."""
        from PIL import Image

        shown = [(data, caption) for uri, caption in items if (data := data_uri_bytes(uri))]
        if not shown:
            return
        if self.pdf.get_y() + max_h + 6 > self.pdf.h - 20:
            self.pdf.add_page()
        top, x, bottom = self.pdf.get_y(), self.pdf.l_margin, self.pdf.get_y()
        for data, caption in shown:
            with Image.open(io.BytesIO(data)) as img:
                ratio = min(max_w / img.width, max_h / img.height)
                w, h = img.width * ratio, img.height * ratio
            self.pdf.image(io.BytesIO(data), x=x, y=top, w=w, h=h)
            if caption:
                self.pdf.set_xy(x, top + h + 0.5)
                self._font(7.5)
                self.pdf.cell(w, 4, self.pdf.text_(caption))
            bottom = max(bottom, top + h + (5 if caption else 1))
            x += w + 4
        self.pdf.set_xy(self.pdf.l_margin, bottom + 1)

    def media(self, m: dict[str, Any]) -> None:
        self.subheading(f"#{m['id']} {m['name']}")
        self.image(m.get("thumbnail"))
        self.table([("SHA-256", m["sha256"]), ("MD5", m["md5"]), ("Size", f"{m['size']} bytes"),
                    ("Type", f"{m['kind']} ({m['mime']})"), ("Source URL", m.get("source_url")),
                    ("Fetched", _fetched(m.get("download"))),
                    ("Added to case", m["added_at"])])
        meta = m.get("metadata")
        if meta:
            self.subheading("Metadata")
            if not meta.get("complete", True):
                self.flag("Metadata incomplete", "; ".join(meta.get("problems", [])))
            self.grid(("Field", "Value", "From"),
                      [(f["name"].replace("_", " "), f["value"], f["source"])
                       for f in meta["fields"]], (35, 85, 60))
            for f in meta["flags"]:
                self.flag(f["title"], f["explanation"])
            if meta.get("credentials"):
                self.credentials(meta["credentials"])
            if meta.get("timeline"):
                self.subheading("Date timeline")
                self.grid(("Date", "Source", "As written"),
                          [(t["time"] + ("" if t.get("zone_known", True) else " (zone unknown)"),
                            t["source"], t.get("value", "")) for t in meta["timeline"]],
                          (60, 60, 60))
        if m["keyframes"]:
            self.subheading(f"Keyframes ({len(m['shots'])} shots)")
            self.grid(("Time", "Frame", "Shot", "Sharpness"),
                      [(k["timestamp"], str(k["frame"]), str(k["shot"]), f"{k['sharpness']:.1f}")
                       for k in m["keyframes"]], (45, 45, 45, 45))
        for f in m.get("forensics", []):
            self.forensic(f)
        self.subheading("Corpus matches")
        if m.get("earliest_known"):
            e = m["earliest_known"]
            self._line(f"Earliest known appearance: {e['earliest_date']} — {e['corpus_path']}"
                       + (f" ({e['source_url']})" if e.get("source_url") else ""), 9.5, True)
        if not m["matches"]:
            self.muted("No match in the corpus." if m.get("match_search") is not None
                       else "Not searched against a corpus.")
        for x in m["matches"]:
            self.images([(x.get("query_thumbnail"), "this media"),
                         (x.get("thumbnail"), "corpus original")], 60, 40)
            transform = x.get("transform") or {}
            self.table([
                ("Corpus file", x["corpus_path"]),
                ("Found by", found_by(x["hash_kind"])),
                ("Distances", distances_text(x["distance"], x.get("distances"))),
                ("Score", f"{x['score']:.2f}" + (" · confirmed by local features"
                                                 if x.get("confirmed") else "")
                 if x.get("score") is not None else None),
                ("Times", _times(x)),
                ("Transform", transform.get("summary") or ", ".join(
                    f"{k}: {v}" for k, v in transform.items()) or None),
                ("Earliest known date", x.get("earliest_date") or "unknown"),
                ("SHA-256", x["corpus_sha256"]),
            ])


    def forensic(self, f: dict[str, Any]) -> None:
        """A saved forensic lens result: findings, maps, and what the lens cannot show."""
        self.subheading(f"Forensic lens: {f['lens']} (cite as forensic:{f['ref']})")
        self.muted(f"{f['source']} · {f['analyst']}, {f['created_at']}")
        for finding in f["findings"]:
            self._line(f"• {finding}", 9)
        maps = f.get("maps", [])
        for start in range(0, len(maps), 3):
            self.images([(mp.get("thumbnail"), mp["name"]) for mp in maps[start: start + 3]],
                        55, 40)
        self.muted("What this lens can and cannot show: " + f["note"])
        numbers = "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in f["numbers"].items())
        self.table([("Numbers", numbers or None),
                    ("Parameters", json.dumps(f["parameters"], sort_keys=True)),
                    ("Map SHA-256", "; ".join(f"{mp['name']} {mp['sha256']}" for mp in maps)
                     or None)])


def _fetched(download: dict[str, Any] | None) -> str | None:
    if not download:
        return None
    parts = [str(download.get("fetched_at")), f"HTTP {download.get('status')}"]
    parts += [str(download[k]) for k in ("content_type",) if download.get(k)]
    if download.get("last_modified"):
        parts.append(f"Last-Modified {download['last_modified']}")
    return " · ".join(parts)


def _times(x: dict[str, Any]) -> str | None:
    if x.get("query_start_stamp"):
        return (f"query {x['query_start_stamp']}–{x['query_end_stamp']} = source "
                f"{x['source_start_stamp']}–{x['source_end_stamp']}")
    if x.get("query_time_stamp") or x.get("source_time_stamp"):
        return (f"query {x.get('query_time_stamp') or '—'} → source "
                f"{x.get('source_time_stamp') or '—'}")
    return None
