"""The article with its claims highlighted by kind and each claim's current verdict beside it."""

from __future__ import annotations

import contextlib
import html

from PySide6.QtCore import QEvent, Qt, QUrl, Signal
from PySide6.QtGui import QHelpEvent, QTextCursor
from PySide6.QtWidgets import QHBoxLayout, QLabel, QTextBrowser, QToolTip, QVBoxLayout, QWidget

from verifier.gui.snapshot import CaseSnapshot
from verifier.gui.style import (
    KIND_COLORS,
    KIND_LABELS,
    NO_VERDICT,
    claim_color,
    rating_hex,
)
from verifier.models import Claim, Verdict

CLAIM_SCHEME = "claim"


def claim_anchor(claim_id: int | None) -> str:
    return f"claim-{claim_id}"


def render_article_html(snapshot: CaseSnapshot, selected: int | None = None) -> str:
    """The article as Qt rich text: one paragraph per line, claims as coloured links."""
    article = snapshot.article
    if article is None:
        return "<p style='color:#6b7280'>This case has no article.</p>"
    text = article.text
    claims: list[Claim] = []
    end = -1
    for claim in sorted(snapshot.claims, key=lambda c: (c.start, c.end)):
        if claim.start >= end and 0 <= claim.start < claim.end <= len(text):
            claims.append(claim)
            end = claim.end
    head = [f"<h2 style='margin-bottom:2px'>{html.escape(article.title)}</h2>"]
    facts = [f for f in (article.author, article.published,
                         article.url or article.source) if f]
    facts.append(f"{len(snapshot.claims)} claims")
    head.append("<p style='color:#6b7280; margin-top:0; margin-bottom:14px'>"
                + html.escape(" · ".join(facts)) + "</p>")
    body: list[str] = []
    pos = 0
    title_shown = False
    for line in text.split("\n"):
        line_start, line_end = pos, pos + len(line)
        pos = line_end + 1
        if not line.strip():
            continue
        if not title_shown:
            title_shown = True
            in_claim = any(c.start < line_end and c.end > line_start for c in claims)
            if line.strip() == article.title.strip() and not in_claim:
                continue  # already the heading
        parts: list[str] = []
        cursor = line_start
        for claim in claims:
            if claim.end <= line_start or claim.start >= line_end:
                continue
            start, stop = max(claim.start, line_start), min(claim.end, line_end)
            parts.append(html.escape(text[cursor:start]))
            parts.append(_claim_html(claim, text[start:stop], selected,
                                     snapshot.current_verdict(claim.id),
                                     first=start == claim.start, last=stop == claim.end))
            cursor = stop
        parts.append(html.escape(text[cursor:line_end]))
        body.append("<p style='margin-top:0; margin-bottom:10px; line-height:140%'>"
                    + "".join(parts) + "</p>")
    return "".join(head + body)


def _claim_html(claim: Claim, piece: str, selected: int | None, verdict: Verdict | None,
                *, first: bool, last: bool) -> str:
    style = f"background-color:{claim_color(claim)}; color:#111827; text-decoration:none;"
    if claim.id == selected:
        style += " text-decoration:underline; font-weight:600;"
    out = f"<a name='{claim_anchor(claim.id)}'></a>" if first else ""
    out += (f"<a href='{CLAIM_SCHEME}:{claim.id}' style='{style}'>"
            f"<span style='{style}'>{html.escape(piece)}</span></a>")
    if last:
        out += "&nbsp;" + verdict_pill_html(verdict)
    return out


def verdict_pill_html(verdict: Verdict | None) -> str:
    if verdict is None:
        return (f"<span style='color:{rating_hex(None)}; font-size:small'>"
                f"[{NO_VERDICT.lower()}]</span>")
    return (f"<span style='background-color:{rating_hex(verdict.rating)}; color:#ffffff;"
            f" font-size:small; font-weight:600'>&nbsp;{html.escape(verdict.rating.value)}"
            f"&nbsp;</span>")


def claim_tooltip(claim: Claim, verdict: Verdict | None) -> str:
    lines = [f"Claim {claim.id}: {', '.join(claim.kinds)}"]
    if claim.cues:
        lines.append("Cues: " + ", ".join(f"“{c}”" for c in claim.cues))
    if verdict is None:
        lines.append("Verdict: none yet")
    else:
        lines.append(f"Verdict: {verdict.rating.value} ({round(verdict.confidence * 100)} %), "
                     f"{verdict.analyst}")
    if claim.media_id is not None:
        lines.append(f"Linked to media item {claim.media_id}")
    return "\n".join(lines)


class ArticleBrowser(QTextBrowser):
    """Read-only rich text; clicking a claim emits claim_clicked, hovering shows its cues."""

    claim_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setReadOnly(True)
        self.document().setDocumentMargin(18)
        self.anchorClicked.connect(self._on_anchor)
        self._snapshot: CaseSnapshot | None = None
        self.setPlaceholderText("No article")

    def show_snapshot(self, snapshot: CaseSnapshot | None, selected: int | None = None) -> None:
        self._snapshot = snapshot
        bar = self.verticalScrollBar()
        keep = bar.value()
        self.setHtml(render_article_html(snapshot, selected) if snapshot else "")
        bar.setValue(keep)

    def claim_position(self, claim_id: int) -> int:
        """Document position where the claim's highlight starts, or -1."""
        href = f"{CLAIM_SCHEME}:{claim_id}"
        block = self.document().begin()
        while block.isValid():
            it = block.begin()
            while not it.atEnd():
                fragment = it.fragment()
                if fragment.isValid() and fragment.charFormat().anchorHref() == href:
                    return fragment.position()
                it += 1
            block = block.next()
        return -1

    def claim_is_highlighted(self, claim_id: int) -> bool:
        """The claim's text has its kind's background colour (used by the tests)."""
        pos = self.claim_position(claim_id)
        if pos < 0:
            return False
        cursor = QTextCursor(self.document())
        cursor.setPosition(pos + 1)
        return cursor.charFormat().background().style() != Qt.BrushStyle.NoBrush

    def scroll_to_claim(self, claim_id: int) -> None:
        """Scroll only as far as needed to show the claim, with a line of context above."""
        pos = self.claim_position(claim_id)
        if pos < 0:
            return
        cursor = QTextCursor(self.document())
        cursor.setPosition(pos)
        rect = self.cursorRect(cursor)
        viewport = self.viewport().rect()
        if rect.top() >= 0 and rect.bottom() + 3 * rect.height() <= viewport.height():
            return
        bar = self.verticalScrollBar()
        bar.setValue(bar.value() + rect.top() - 2 * rect.height())

    def _on_anchor(self, url: QUrl) -> None:
        if url.scheme() == CLAIM_SCHEME:
            with contextlib.suppress(ValueError):
                self.claim_clicked.emit(int(url.path()))

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            anchor = self.anchorAt(event.pos())
            text = ""
            if anchor.startswith(CLAIM_SCHEME + ":") and self._snapshot is not None:
                try:
                    claim = self._snapshot.claim(int(anchor.split(":", 1)[1]))
                except ValueError:
                    claim = None
                if claim is not None:
                    text = claim_tooltip(claim, self._snapshot.current_verdict(claim.id))
            if text:
                QToolTip.showText(event.globalPos(), text, self.viewport())
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(event)


class KindLegend(QWidget):
    """What the highlight colours mean."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(6)
        caption = QLabel("Highlights:")
        caption.setStyleSheet("color:#4b5563")
        layout.addWidget(caption)
        for kind, color in KIND_COLORS.items():
            chip = QLabel(KIND_LABELS[kind])
            chip.setStyleSheet(f"background:{color}; color:#111827; border-radius:3px;"
                               " padding:1px 6px")
            layout.addWidget(chip)
        layout.addStretch(1)


class ArticlePane(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.legend = KindLegend(self)
        self.browser = ArticleBrowser(self)
        layout.addWidget(self.legend)
        layout.addWidget(self.browser, 1)
