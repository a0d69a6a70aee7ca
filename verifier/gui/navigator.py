"""The case navigator: the article, its claims with verdict badges, and the media items."""

from __future__ import annotations

from PySide6.QtCore import (
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from verifier.gui.article_view import claim_tooltip
from verifier.gui.snapshot import CaseSnapshot
from verifier.gui.style import NO_VERDICT, claim_color, rating_hex
from verifier.models import MediaKind

KIND_ROLE = Qt.ItemDataRole.UserRole
ID_ROLE = Qt.ItemDataRole.UserRole + 1
BADGE_COLOR_ROLE = Qt.ItemDataRole.UserRole + 2
BADGE_TEXT_ROLE = Qt.ItemDataRole.UserRole + 3

ARTICLE, CLAIM, MEDIA, GROUP = "article", "claim", "media", "group"
VERDICT_COLUMN = 1
Index = QModelIndex | QPersistentModelIndex


def _flags_text(flags: int) -> str:
    if not flags:
        return ""
    return "1 flag" if flags == 1 else f"{flags} flags"


def _children(item: QTreeWidgetItem) -> list[QTreeWidgetItem]:
    out = []
    for n in range(item.childCount()):
        child = item.child(n)
        if child is not None:
            out.append(child)
    return out


def _swatch(color: str) -> QIcon:
    pixmap = QPixmap(12, 12)
    pixmap.fill(QColor(color))
    return QIcon(pixmap)


class BadgeDelegate(QStyledItemDelegate):
    """Paints the verdict column as a rounded, coloured pill."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        color = index.data(BADGE_COLOR_ROLE)
        text = index.data(Qt.ItemDataRole.DisplayRole)
        if not color or not text:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = QFont(opt.font)
        font.setPointSizeF(max(font.pointSizeF() * 0.85, 7.0))
        font.setBold(True)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        rect = opt.rect
        text = metrics.elidedText(text, Qt.TextElideMode.ElideRight, max(rect.width() - 22, 20))
        width = metrics.horizontalAdvance(text) + 14
        height = metrics.height() + 4
        pill = QRectF(rect.x() + 4, rect.y() + (rect.height() - height) / 2, width, height)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(color))
        painter.drawRoundedRect(pill, height / 2, height / 2)
        painter.setPen(QColor(index.data(BADGE_TEXT_ROLE) or "#ffffff"))
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        size = super().sizeHint(option, index)
        text = index.data(Qt.ItemDataRole.DisplayRole) or ""
        width = option.fontMetrics.horizontalAdvance(text) + 26
        return QSize(max(size.width(), width), max(size.height(), option.fontMetrics.height() + 8))


class CaseNavigator(QTreeWidget):
    article_selected = Signal()
    claim_selected = Signal(int)
    media_selected = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setColumnCount(2)
        self.setHeaderLabels(["Case", "Verdict"])
        self.setRootIsDecorated(True)
        self.setUniformRowHeights(True)
        # Several claims can be selected (Ctrl+click, Shift+click) to merge them.
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setItemDelegateForColumn(VERDICT_COLUMN, BadgeDelegate(self))
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(VERDICT_COLUMN, QHeaderView.ResizeMode.Interactive)
        header.setMinimumSectionSize(40)
        self.itemSelectionChanged.connect(self._on_selection)
        self.currentItemChanged.connect(lambda *_: self._on_selection())
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self._groups: dict[str, QTreeWidgetItem] = {}
        self._last: tuple[str, int | None] | None = None  # the item last announced

    def show_snapshot(self, snapshot: CaseSnapshot | None) -> None:
        selected = self.selected()
        self.blockSignals(True)
        self.clear()
        self._groups = {}
        if snapshot is not None:
            self._populate(snapshot)
            self.expandAll()
        self.blockSignals(False)
        if selected is not None:
            self.select(*selected, notify=False)
        self.fit_verdict_column()

    def fit_verdict_column(self) -> None:
        """Room for the badges, but never more than a third of the navigator: long ratings
        are elided (the tooltip has them in full)."""
        self.resizeColumnToContents(VERDICT_COLUMN)
        limit = max(self.viewport().width() // 3, 96)
        self.setColumnWidth(VERDICT_COLUMN, min(self.columnWidth(VERDICT_COLUMN), limit))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_verdict_column()

    def _populate(self, snapshot: CaseSnapshot) -> None:
        bold = QFont(self.font())
        bold.setBold(True)
        article = snapshot.article
        art = QTreeWidgetItem(self, ["Article: " + (article.title if article else "none")])
        art.setData(0, KIND_ROLE, ARTICLE)
        art.setFont(0, bold)
        if article:
            art.setToolTip(0, f"{article.title}\n{article.source}")

        claims = QTreeWidgetItem(self, [f"Claims ({len(snapshot.claims)})"])
        claims.setData(0, KIND_ROLE, GROUP)
        claims.setFont(0, bold)
        claims.setFlags(Qt.ItemFlag.ItemIsEnabled)
        self._groups[CLAIM] = claims
        for claim in snapshot.claims:
            verdict = snapshot.current_verdict(claim.id)
            badge = verdict.rating.value if verdict else NO_VERDICT
            item = QTreeWidgetItem(claims, [" ".join(claim.text.split()), badge])
            item.setData(0, KIND_ROLE, CLAIM)
            item.setData(0, ID_ROLE, claim.id)
            item.setIcon(0, _swatch(claim_color(claim)))
            if verdict is not None:
                item.setData(VERDICT_COLUMN, BADGE_COLOR_ROLE, rating_hex(verdict.rating))
            else:
                item.setData(VERDICT_COLUMN, BADGE_COLOR_ROLE, "#e5e7eb")
                item.setData(VERDICT_COLUMN, BADGE_TEXT_ROLE, "#6b7280")
            tip = f"{claim.text}\n\n{claim_tooltip(claim, verdict)}"
            item.setToolTip(0, tip)
            item.setToolTip(VERDICT_COLUMN, tip)

        media = QTreeWidgetItem(self, [f"Media ({len(snapshot.media)})"])
        media.setData(0, KIND_ROLE, GROUP)
        media.setFont(0, bold)
        media.setFlags(Qt.ItemFlag.ItemIsEnabled)
        self._groups[MEDIA] = media
        for m in snapshot.media:
            assert m.id is not None
            if m.kind is MediaKind.VIDEO:
                detail = f"video · {len(snapshot.keyframes.get(m.id, []))} keyframes"
            else:
                detail = "photo"
            report = snapshot.metadata.get(m.id)
            flags = len(report.flags) if report else 0
            item = QTreeWidgetItem(media, [m.original_name, _flags_text(flags)])
            item.setData(0, KIND_ROLE, MEDIA)
            item.setData(0, ID_ROLE, m.id)
            if flags:
                item.setData(VERDICT_COLUMN, BADGE_COLOR_ROLE, "#b42318")
            style = self.style()
            icon = (QStyle.StandardPixmap.SP_MediaPlay if m.kind is MediaKind.VIDEO
                    else QStyle.StandardPixmap.SP_FileIcon)
            item.setIcon(0, style.standardIcon(icon))
            item.setToolTip(0, f"{m.original_name}\n{detail} · {m.mime}\nsha256 {m.sha256}")

    # ------------------------------------------------------------ selection

    def selected(self) -> tuple[str, int | None] | None:
        """The item in focus: the current one when it is selected, else the only one."""
        items = self.selectedItems()
        current = self.currentItem()
        item = current if current is not None and current in items else \
            items[0] if len(items) == 1 else None
        if item is None:
            return None
        kind = item.data(0, KIND_ROLE)
        return (kind, item.data(0, ID_ROLE)) if kind in (ARTICLE, CLAIM, MEDIA) else None

    def selected_claim_ids(self) -> list[int]:
        """Every selected claim, in the article's order."""
        return [int(item.data(0, ID_ROLE)) for item in self.claim_items()
                if item.isSelected()]

    def select_claims(self, claim_ids: list[int]) -> None:
        """Select several claims (as Ctrl+click does), the last one current."""
        items = [self.item_for(CLAIM, i) for i in claim_ids]
        found = [i for i in items if i is not None]
        if not found:
            return
        self.clearSelection()
        for item in found:
            item.setSelected(True)
        self.setCurrentItem(found[-1], 0, QItemSelectionModel.SelectionFlag.NoUpdate)

    def item_for(self, kind: str, item_id: int | None = None) -> QTreeWidgetItem | None:
        for top in _children(self.invisibleRootItem()):
            if kind == ARTICLE and top.data(0, KIND_ROLE) == ARTICLE:
                return top
            for child in _children(top):
                if child.data(0, KIND_ROLE) == kind and child.data(0, ID_ROLE) == item_id:
                    return child
        return None

    def claim_items(self) -> list[QTreeWidgetItem]:
        group = self._groups.get(CLAIM)
        return _children(group) if group else []

    def media_items(self) -> list[QTreeWidgetItem]:
        group = self._groups.get(MEDIA)
        return _children(group) if group else []

    def badge_of(self, claim_id: int) -> str:
        item = self.item_for(CLAIM, claim_id)
        return item.text(VERDICT_COLUMN) if item is not None else ""

    def select(self, kind: str, item_id: int | None = None, *, notify: bool = True) -> None:
        """Make an item current; a multiple selection it belongs to is kept."""
        item = self.item_for(kind, item_id)
        if item is None:
            return
        if not notify:
            self.blockSignals(True)
        if item.isSelected():
            self.setCurrentItem(item, 0, QItemSelectionModel.SelectionFlag.NoUpdate)
        else:
            self.setCurrentItem(item)
        self.scrollToItem(item)
        if not notify:
            self.blockSignals(False)
            self._last = (kind, item_id)

    def _on_selection(self) -> None:
        selected = self.selected()
        if selected is None or (selected == self._last and selected[0] != ARTICLE):
            return
        self._last = selected
        kind, item_id = selected
        if kind == ARTICLE:
            self.article_selected.emit()
        elif kind == CLAIM and item_id is not None:
            self.claim_selected.emit(int(item_id))
        elif kind == MEDIA and item_id is not None:
            self.media_selected.emit(int(item_id))
