"""Help ▸ Keyboard shortcuts: a table generated from the window's own actions, so it never
goes stale when an action or its shortcut changes."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLineEdit,
    QMainWindow,
    QMenu,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

OTHER_GROUP = "Other"


@dataclass(frozen=True)
class ShortcutRow:
    group: str  # the menu path, e.g. "Media ▸ Picture shown"
    action: str  # the action's text without & and …
    keys: str  # every shortcut of the action, as the platform writes it
    tip: str  # the action's status tip (what it does)


def action_label(act: QAction) -> str:
    return act.text().replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…").strip()


def _keys(act: QAction) -> str:
    return ", ".join(s.toString(QKeySequence.SequenceFormat.NativeText)
                     for s in act.shortcuts() if not s.isEmpty())


def shortcut_rows(window: QMainWindow) -> list[ShortcutRow]:
    """Every action of the window that has a shortcut: those in menus under their menu path
    (in menu order), then the others (actions on panes, Esc to cancel)."""
    rows: list[ShortcutRow] = []
    seen: set[int] = set()

    def walk(menu: QMenu, path: str) -> None:
        for act in menu.actions():
            sub = act.menu()
            if isinstance(sub, QMenu):
                walk(sub, f"{path} ▸ {action_label(act)}")
                continue
            if act.isSeparator() or id(act) in seen:
                continue
            seen.add(id(act))
            keys = _keys(act)
            if keys:
                rows.append(ShortcutRow(path, action_label(act), keys, act.statusTip()))

    for top in window.menuBar().actions():
        menu = top.menu()
        if isinstance(menu, QMenu):
            walk(menu, action_label(top))
    for act in window.findChildren(QAction):
        if id(act) in seen or act.isSeparator():
            continue
        keys = _keys(act)
        if keys:
            seen.add(id(act))
            rows.append(ShortcutRow(OTHER_GROUP, action_label(act), keys, act.statusTip()))
    return rows


class ShortcutsDialog(QDialog):
    """The shortcut table with a filter field."""

    def __init__(self, rows: list[ShortcutRow], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.resize(820, 600)
        self.rows = rows
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter by action, key or menu (e.g. “claim”, “Ctrl+K”)")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._apply_filter)
        self.table = QTableWidget(len(rows), 3)
        self.table.setHorizontalHeaderLabels(["Keys", "Action", "Menu"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        for n, row in enumerate(rows):
            for col, text in enumerate((row.keys, row.action, row.group)):
                cell = QTableWidgetItem(text)
                if row.tip:
                    cell.setToolTip(row.tip)
                self.table.setItem(n, col, cell)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.filter.setFocus(Qt.FocusReason.OtherFocusReason)

    def visible_rows(self) -> list[ShortcutRow]:
        return [r for n, r in enumerate(self.rows) if not self.table.isRowHidden(n)]

    def _apply_filter(self, text: str) -> None:
        needle = text.strip().lower()
        for n, row in enumerate(self.rows):
            hay = " ".join((row.keys, row.action, row.group, row.tip)).lower()
            self.table.setRowHidden(n, bool(needle) and needle not in hay)
