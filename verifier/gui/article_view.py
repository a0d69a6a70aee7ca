"""The article with its claims highlighted by kind, each claim's current verdict as a badge in the
margin beside it, and the analyst's text selection mapped back to offsets in the article text
(so "Add claim" stores exactly the words selected)."""

from __future__ import annotations

import bisect
import contextlib
import html
import itertools
import logging
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QPoint, QRect, Qt, QUrl, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QContextMenuEvent,
    QFont,
    QFontMetrics,
    QHelpEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QResizeEvent,
    QTextCursor,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QTextBrowser,
    QToolBar,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from verifier.errors import UserError
from verifier.gui.snapshot import CaseSnapshot
from verifier.gui.style import (
    KIND_COLORS,
    KIND_LABELS,
    NO_VERDICT,
    claim_color,
    muted_hex,
    palette_is_dark,
    rating_hex,
    set_muted,
)
from verifier.models import Claim, Verdict

log = logging.getLogger(__name__)

CLAIM_SCHEME = "claim"
MARGIN_WIDTH = 150  # the verdict badges' column, right of the text
NO_VERDICT_FILL = "#e5e7eb"
NO_VERDICT_TEXT = "#4b5563"


def claim_anchor(claim_id: int | None) -> str:
    return f"claim-{claim_id}"


@dataclass(frozen=True)
class Line:
    """A paragraph of the document that shows article text: where it starts in the article
    text and the text it shows."""

    start: int
    text: str


@dataclass(frozen=True)
class RenderedArticle:
    html: str
    lines: list[Line]  # in document order


def shown_claims(snapshot: CaseSnapshot) -> list[Claim]:
    """Claims whose span lies in the article text (every one is highlighted, overlaps too)."""
    article = snapshot.article
    if article is None:
        return []
    size = len(article.text)
    return sorted((c for c in snapshot.claims if c.id is not None
                   and 0 <= c.start < c.end <= size), key=lambda c: (c.start, c.end))


def render_article(snapshot: CaseSnapshot, selected: int | None = None) -> RenderedArticle:
    """The article as Qt rich text: one paragraph per line (white space kept, so selections
    map back to the text), claims as coloured links; where claims overlap, the innermost one
    owns the words (the margin shows each claim's extent)."""
    article = snapshot.article
    if article is None:
        return RenderedArticle(f"<p style='color:{muted_hex()}'>This case has no article.</p>",
                               [])
    text = article.text
    claims = shown_claims(snapshot)
    lines: list[Line] = []
    facts = [f for f in (article.author, article.published, article.url or article.source) if f]
    facts.append(f"{len(snapshot.claims)} claims")
    facts_html = (f"<p style='color:{muted_hex()}; margin-top:0; margin-bottom:14px'>"
                  + html.escape(" · ".join(facts)) + "</p>")
    heading = html.escape(article.title)
    body: list[str] = []
    pos = 0
    title_seen = False
    for line in text.split("\n"):
        line_start, line_end = pos, pos + len(line)
        pos = line_end + 1
        if not line.strip():
            continue
        if not title_seen:
            title_seen = True
            in_claim = any(c.start < line_end and c.end > line_start for c in claims)
            if line.strip() == article.title.strip() and not in_claim:
                # The first line is the title: shown as the heading, and still selectable.
                lead = len(line) - len(line.lstrip())
                heading = html.escape(line.strip())
                lines.append(Line(line_start + lead, line.strip()))
                continue
        lines.append(Line(line_start, line))
        body.append("<p style='white-space:pre-wrap; margin-top:0; margin-bottom:10px;"
                    " line-height:140%'>"
                    + _line_html(text, line_start, line_end, claims, selected) + "</p>")
    head = f"<h2 style='margin-bottom:2px'>{heading}</h2>"
    return RenderedArticle(head + facts_html + "".join(body), lines)


def render_article_html(snapshot: CaseSnapshot, selected: int | None = None) -> str:
    return render_article(snapshot, selected).html


def _line_html(text: str, line_start: int, line_end: int, claims: list[Claim],
               selected: int | None) -> str:
    here = [c for c in claims if c.start < line_end and c.end > line_start]
    cuts = sorted({line_start, line_end}
                  | {min(max(p, line_start), line_end) for c in here for p in (c.start, c.end)})
    parts: list[str] = []
    for a, b in itertools.pairwise(cuts):
        piece = html.escape(text[a:b])
        covering = [c for c in here if c.start <= a and c.end >= b]
        if not covering:
            parts.append(piece)
            continue
        owner = min(covering, key=lambda c: (c.end - c.start, -c.start))
        style = f"background-color:{claim_color(owner)}; color:#111827; text-decoration:none;"
        if selected is not None and any(c.id == selected for c in covering):
            style += " text-decoration:underline; font-weight:600;"
        anchor = "".join(f"<a name='{claim_anchor(c.id)}'></a>" for c in here if c.start == a)
        parts.append(f"{anchor}<a href='{CLAIM_SCHEME}:{owner.id}' style='{style}'>"
                     f"<span style='{style}'>{piece}</span></a>")
    return "".join(parts)


def verdict_pill_html(verdict: Verdict | None) -> str:
    if verdict is None:
        return (f"<span style='color:{rating_hex(None)}; font-size:small'>"
                f"[{NO_VERDICT.lower()}]</span>")
    return (f"<span style='background-color:{rating_hex(verdict.rating)}; color:#ffffff;"
            f" font-size:small; font-weight:600'>&nbsp;{html.escape(verdict.rating.value)}"
            f"&nbsp;</span>")


def claim_tooltip(claim: Claim, verdict: Verdict | None) -> str:
    origin = " (added by an analyst)" if claim.origin == "analyst" else ""
    lines = [f"Claim {claim.id}{origin}: {', '.join(claim.kinds) or 'no rule matched'}"]
    if claim.cues:
        lines.append("Cues: " + ", ".join(f"“{c}”" for c in claim.cues))
    if verdict is None:
        lines.append("Verdict: none yet")
    else:
        lines.append(f"Verdict: {verdict.rating.value} ({verdict.confidence_label} confidence, "
                     f"{round(verdict.confidence * 100)} %), {verdict.analyst}")
    if claim.media_id is not None:
        lines.append(f"Linked to media item {claim.media_id}")
    return "\n".join(lines)


def _norm(text: str) -> str:
    return " ".join(text.split())


def _align(shown: str, source: str) -> list[int]:
    """For each character of the shown text, its index in the source text, where the shown
    text may have white space collapsed or changed."""
    out: list[int] = []
    j, n = 0, len(source)
    for ch in shown:
        if ch.isspace():
            out.append(min(j, n))
            if j < n and source[j].isspace():
                j += 1
            continue
        while j < n and source[j] != ch and source[j].isspace():
            j += 1
        out.append(min(j, n))
        if j < n:
            j += 1
    return out


@dataclass(frozen=True)
class _Block:
    position: int  # document position of the paragraph
    length: int  # characters it shows
    line: Line
    chars: list[int]  # shown character -> index in line.text


@dataclass(frozen=True)
class Badge:
    """A claim's verdict badge in the margin (margin coordinates)."""

    claim_id: int
    text: str
    rect: QRect  # the pill
    bar: QRect  # the claim's extent, first line to last
    fill: str
    ink: str
    kind_color: str
    selected: bool


class ArticleBrowser(QTextBrowser):
    """Read-only rich text with the verdict margin; clicking a claim (or its badge) emits
    claim_clicked, hovering shows its cues, the selection maps back to article offsets."""

    claim_clicked = Signal(int)
    claim_context = Signal(int)  # right click on a claim: select it, keep the inspector tab

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setReadOnly(True)
        self.document().setDocumentMargin(18)
        self.anchorClicked.connect(self._on_anchor)
        self._snapshot: CaseSnapshot | None = None
        self._blocks: list[_Block] = []
        self._block_positions: list[int] = []
        self._line_starts: list[int] = []
        self.selected_claim: int | None = None
        self.context_actions: list[QAction | None] = []
        self.setPlaceholderText("No article")
        self.margin = ClaimMargin(self)
        self.setViewportMargins(0, 0, MARGIN_WIDTH, 0)
        self.verticalScrollBar().valueChanged.connect(self.margin.update)
        self.document().documentLayout().documentSizeChanged.connect(self.margin.update)

    # ------------------------------------------------------------ content

    def show_snapshot(self, snapshot: CaseSnapshot | None, selected: int | None = None) -> None:
        """Show the case's article; the scroll position and the text selected are kept (the
        analyst may select words, then pick the claim whose span they become)."""
        same = snapshot is not None and self._snapshot is not None \
            and snapshot.path == self._snapshot.path
        span: tuple[int, int] | None = None
        if same and self.has_selection():
            with contextlib.suppress(UserError):
                span = self.selected_span()
        self._snapshot = snapshot
        self.selected_claim = selected
        bar = self.verticalScrollBar()
        keep = bar.value()
        rendered = render_article(snapshot, selected) if snapshot else RenderedArticle("", [])
        self.setHtml(rendered.html)
        self._map_blocks(rendered.lines)
        if span is not None:
            self.select_article_text(*span)
        bar.setValue(keep)
        self.margin.update()

    def clear_selection(self) -> None:
        cursor = self.textCursor()
        cursor.clearSelection()
        self.setTextCursor(cursor)

    def _map_blocks(self, lines: list[Line]) -> None:
        blocks: list[_Block] = []
        k = 0
        block = self.document().begin()
        while block.isValid() and k < len(lines):
            shown, line = block.text(), lines[k]
            if _norm(shown) == _norm(line.text):
                chars = list(range(len(shown))) if shown == line.text else \
                    _align(shown, line.text)
                blocks.append(_Block(block.position(), len(shown), line, chars))
                k += 1
            block = block.next()
        if k < len(lines):
            log.warning("article view: %d of %d paragraphs could not be mapped to the text",
                        len(lines) - k, len(lines))
        self._blocks = blocks
        self._block_positions = [b.position for b in blocks]
        self._line_starts = [b.line.start for b in blocks]

    def claims(self) -> list[Claim]:
        return shown_claims(self._snapshot) if self._snapshot else []

    # ------------------------------------------------------------ document <-> article text

    def doc_to_article(self, pos: int, *, forward: bool = True) -> int | None:
        """The article offset shown at a document position. Outside the article's paragraphs
        (the line under the heading, paragraph gaps) the next paragraph's start (forward) or
        the previous one's end is taken."""
        i = bisect.bisect_right(self._block_positions, pos) - 1
        if i >= 0:
            block = self._blocks[i]
            if pos <= block.position + block.length:
                k = pos - block.position
                return block.line.start + (block.chars[k] if k < len(block.chars)
                                           else len(block.line.text))
        if forward:
            return self._blocks[i + 1].line.start if i + 1 < len(self._blocks) else None
        if i < 0:
            return None
        return self._blocks[i].line.start + len(self._blocks[i].line.text)

    def article_to_doc(self, offset: int) -> int | None:
        i = bisect.bisect_right(self._line_starts, offset) - 1
        if i < 0:
            return self._blocks[0].position if self._blocks else None
        block = self._blocks[i]
        rel = offset - block.line.start
        if rel > len(block.line.text):  # in the gap after this paragraph
            return self._blocks[i + 1].position if i + 1 < len(self._blocks) \
                else block.position + block.length
        return block.position + bisect.bisect_left(block.chars, rel)

    def claim_doc_span(self, claim: Claim) -> tuple[int, int] | None:
        start, end = self.article_to_doc(claim.start), self.article_to_doc(claim.end)
        if start is None or end is None or end <= start:
            return None
        return start, end

    def selected_span(self) -> tuple[int, int]:
        """The selection as (start, end) offsets into the article text; a UserError says
        plainly what is wrong with it."""
        cursor = self.textCursor()
        if not cursor.hasSelection():
            raise UserError("selection", "nothing is selected; select the claim's words in "
                                         "the article first")
        start = self.doc_to_article(cursor.selectionStart(), forward=True)
        end = self.doc_to_article(cursor.selectionEnd(), forward=False)
        if start is None or end is None or start >= end:
            raise UserError("selection", "the selected text is not part of the article's text "
                                         "(the line under the heading is not)")
        return start, end

    def select_article_text(self, start: int, end: int) -> bool:
        """Select the words at article offsets start..end, as dragging over them would."""
        a, b = self.article_to_doc(start), self.article_to_doc(end)
        if a is None or b is None:
            return False
        cursor = QTextCursor(self.document())
        cursor.setPosition(a)
        cursor.setPosition(b, QTextCursor.MoveMode.KeepAnchor)
        self.setTextCursor(cursor)
        return True

    def has_selection(self) -> bool:
        return self.textCursor().hasSelection()

    # ------------------------------------------------------------ claims

    def claim_position(self, claim_id: int) -> int:
        """Document position where the claim's text starts, or -1."""
        claim = self._snapshot.claim(claim_id) if self._snapshot else None
        span = self.claim_doc_span(claim) if claim is not None else None
        return span[0] if span else -1

    def claim_is_highlighted(self, claim_id: int) -> bool:
        """The claim's text has a kind's background colour (used by the tests)."""
        pos = self.claim_position(claim_id)
        if pos < 0:
            return False
        cursor = QTextCursor(self.document())
        cursor.setPosition(pos + 1)
        return cursor.charFormat().background().style() != Qt.BrushStyle.NoBrush

    def scroll_to_claim(self, claim_id: int) -> None:
        """Scroll only as far as needed to show the claim: from its paragraph's start when
        that is close above it, else with two lines of context above."""
        pos = self.claim_position(claim_id)
        if pos < 0:
            return
        cursor = QTextCursor(self.document())
        cursor.setPosition(pos)
        rect = self.cursorRect(cursor)
        viewport = self.viewport().rect()
        if rect.top() >= 0 and rect.bottom() + 3 * rect.height() <= viewport.height():
            return
        cursor.movePosition(QTextCursor.MoveOperation.StartOfBlock)
        block_top = self.cursorRect(cursor).top()
        if rect.top() - block_top <= viewport.height() // 3:
            target = block_top - rect.height() // 2
        else:
            target = rect.top() - 2 * rect.height()
        bar = self.verticalScrollBar()
        bar.setValue(bar.value() + target)

    def badge_font(self) -> QFont:
        font = QFont(self.font())
        font.setPointSizeF(max(font.pointSizeF() * 0.85, 7.0))
        font.setBold(True)
        return font

    def badge_layout(self, width: int) -> list[Badge]:
        """Each shown claim's badge, level with the claim's first line (pushed down when the
        one above needs the room) and a bar over the lines the claim spans, one lane per
        overlapping claim."""
        snapshot = self._snapshot
        if snapshot is None:
            return []
        spans: list[tuple[int, int, Claim]] = []
        cursor = QTextCursor(self.document())
        for claim in self.claims():
            span = self.claim_doc_span(claim)
            if span is None:
                continue
            cursor.setPosition(span[0])
            top = self.cursorRect(cursor).top()
            cursor.setPosition(span[1])
            bottom = self.cursorRect(cursor).bottom()
            spans.append((top, max(bottom, top + 4), claim))
        spans.sort(key=lambda s: (s[0], s[2].start))
        lane_ends: list[int] = []
        lanes: dict[int | None, int] = {}
        for top, bottom, claim in spans:
            for n, end in enumerate(lane_ends):
                if end + 2 < top:
                    lane_ends[n] = bottom
                    lanes[claim.id] = n
                    break
            else:
                lanes[claim.id] = len(lane_ends)
                lane_ends.append(bottom)
        metrics = QFontMetrics(self.badge_font())
        left = 6 + max(len(lane_ends), 1) * 5 + 6
        room = max(width - left - 6, 40)
        flags = int(Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignCenter)
        badges: list[Badge] = []
        below = -(10 ** 9)
        for top, bottom, claim in spans:
            assert claim.id is not None
            verdict = snapshot.current_verdict(claim.id)
            text = verdict.rating.value if verdict else NO_VERDICT
            bound = metrics.boundingRect(QRect(0, 0, room - 12, 1000), flags, text)
            pill = QRect(left, max(top, below + 4), min(room, bound.width() + 14),
                         bound.height() + 6)
            below = pill.bottom()
            bar = QRect(6 + lanes[claim.id] * 5, top, 3, bottom - top)
            badges.append(Badge(
                claim.id, text, pill, bar,
                rating_hex(verdict.rating) if verdict else NO_VERDICT_FILL,
                "#ffffff" if verdict else NO_VERDICT_TEXT,
                claim_color(claim), claim.id == self.selected_claim))
        return badges

    # ------------------------------------------------------------ Qt events

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        viewport = self.viewport().geometry()
        self.margin.setGeometry(viewport.right() + 1, viewport.top(), MARGIN_WIDTH,
                                viewport.height())

    def _on_anchor(self, url: QUrl) -> None:
        if url.scheme() == CLAIM_SCHEME:
            with contextlib.suppress(ValueError):
                self.claim_clicked.emit(int(url.path()))

    def _claim_at(self, pos: QPoint) -> int | None:
        anchor = self.anchorAt(pos)
        if anchor.startswith(CLAIM_SCHEME + ":"):
            with contextlib.suppress(ValueError):
                return int(anchor.split(":", 1)[1])
        return None

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        menu = self.createStandardContextMenu(event.pos())
        claim_id = self._claim_at(event.pos())
        if claim_id is not None and not self.has_selection():
            self.claim_context.emit(claim_id)
        if self.context_actions:
            menu.addSeparator()
            for act in self.context_actions:
                if act is None:
                    menu.addSeparator()
                else:
                    menu.addAction(act)
        menu.exec(event.globalPos())
        menu.deleteLater()

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            claim_id = self._claim_at(event.pos())
            claim = self._snapshot.claim(claim_id) if self._snapshot and claim_id else None
            if claim is not None and self._snapshot is not None:
                QToolTip.showText(event.globalPos(),
                                  claim_tooltip(claim, self._snapshot.current_verdict(claim.id)),
                                  self.viewport())
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(event)


class ClaimMargin(QWidget):
    """The column right of the text where each claim's verdict badge sits; a badge click
    opens the verdict editor for its claim."""

    def __init__(self, browser: ArticleBrowser) -> None:
        super().__init__(browser)
        self.browser = browser
        self.badges: list[Badge] = []
        self.setMouseTracking(True)
        self.setAutoFillBackground(False)
        self.setToolTip("")

    def relayout(self) -> list[Badge]:
        self.badges = self.browser.badge_layout(self.width())
        return self.badges

    def badge_at(self, pos: QPoint) -> Badge | None:
        return next((b for b in self.relayout() if b.rect.adjusted(-2, -2, 2, 2).contains(pos)),
                    None)

    def badge_for(self, claim_id: int) -> Badge | None:
        return next((b for b in self.relayout() if b.claim_id == claim_id), None)

    def badge_text(self, claim_id: int) -> str:
        badge = self.badge_for(claim_id)
        return badge.text if badge else ""

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        dark = palette_is_dark()  # the strip follows the palette; badges carry their own ink
        painter.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.AlternateBase)
                         if dark else QColor("#f8fafc"))
        painter.setPen(QPen(self.palette().color(QPalette.ColorRole.Mid) if dark
                            else QColor("#e5e7eb"), 1))
        painter.drawLine(0, 0, 0, self.height())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setFont(self.browser.badge_font())
        flags = int(Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignCenter)
        for badge in self.relayout():
            if (badge.rect.bottom() < 0 and badge.bar.bottom() < 0) or \
                    min(badge.rect.top(), badge.bar.top()) > self.height():
                continue
            kind = QColor(badge.kind_color).darker(125)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(kind)
            painter.drawRoundedRect(badge.bar, 1.5, 1.5)
            if badge.rect.top() > badge.bar.bottom():  # pushed below its claim: a leader line
                painter.setPen(QPen(kind, 1))
                x, y = badge.bar.center().x(), badge.rect.center().y()
                painter.drawLine(x, badge.bar.bottom(), x, y)
                painter.drawLine(x, y, badge.rect.left() - 2, y)
            radius = min(badge.rect.height() / 2, 9.0)
            painter.setPen(QPen(self.palette().color(QPalette.ColorRole.WindowText), 2)
                           if badge.selected else Qt.PenStyle.NoPen)
            painter.setBrush(QColor(badge.fill))
            painter.drawRoundedRect(badge.rect, radius, radius)
            painter.setPen(QColor(badge.ink))
            painter.drawText(badge.rect.adjusted(6, 3, -6, -3), flags, badge.text)
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        badge = self.badge_at(event.position().toPoint())
        if badge is not None and event.button() == Qt.MouseButton.LeftButton:
            self.browser.claim_clicked.emit(badge.claim_id)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        over = self.badge_at(event.position().toPoint()) is not None
        self.setCursor(Qt.CursorShape.PointingHandCursor if over else Qt.CursorShape.ArrowCursor)
        super().mouseMoveEvent(event)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            badge = self.badge_at(event.pos())
            snapshot = self.browser._snapshot
            claim = snapshot.claim(badge.claim_id) if badge and snapshot else None
            if claim is not None and snapshot is not None:
                QToolTip.showText(event.globalPos(),
                                  f"“{claim.text}”\n\n"
                                  + claim_tooltip(claim, snapshot.current_verdict(claim.id))
                                  + "\n\nClick to open the verdict editor.", self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)


class KindLegend(QWidget):
    """What the highlight colours mean."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(6)
        caption = QLabel("Highlights:")
        set_muted(caption)
        layout.addWidget(caption)
        for kind, color in KIND_COLORS.items():
            chip = QLabel(KIND_LABELS[kind])
            chip.setStyleSheet(f"background:{color}; color:#111827; border-radius:3px;"
                               " padding:1px 6px")
            layout.addWidget(chip)
        layout.addStretch(1)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)


class ArticlePane(QWidget):
    """The claim tools, the colour legend and the article with its verdict margin."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.toolbar = QToolBar("Claims", self)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.toolbar.setMovable(False)
        self.toolbar.setFloatable(False)
        self.toolbar.setStyleSheet("QToolBar { border: none; spacing: 2px; padding: 1px 2px }")
        self.legend = KindLegend(self)
        self.browser = ArticleBrowser(self)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.legend)
        layout.addSpacing(2)
        layout.addWidget(self.browser, 1)

    def set_actions(self, toolbar: list[QAction | None], context: list[QAction | None]) -> None:
        for act in toolbar:
            if act is None:
                self.toolbar.addSeparator()
            else:
                self.toolbar.addAction(act)
        self.browser.context_actions = list(context)
