"""Undo and redo of hand edits, without ever erasing anything.

The case's history is append-only, so undoing is one more recorded change: undoing an added
claim hides it, undoing a deletion shows the claim again, undoing a merge shows the claims it
replaced, undoing a link links the previous media, and undoing a verdict appends a verdict that
restores the previous one (its rationale starts with "Undo: "). Each of these is an audit event
with the value it replaced. Redo does the change again the same way.

Every command is pushed after its change was made (and checked) by the window, so its first
redo() does nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Protocol

from PySide6.QtGui import QUndoCommand

from verifier.case import CaseStore
from verifier.models import Verdict

UNDO_TIP = ("Undo never erases: the case's history is append-only, so undoing records one more "
            "change (a hidden claim is shown again, a verdict is followed by one restoring the "
            "previous rating, with “Undo:” in its rationale), each in the audit trail with the "
            "value it replaced.")
REDO_TIP = ("Redo records the change again (a claim is hidden or shown again, a verdict is "
            "appended again); nothing is overwritten.")

Change = tuple[int | None, str]  # the claim to show afterwards, what to tell the user


class EditHost(Protocol):
    """What the commands need of the window."""

    store: CaseStore | None

    def after_edit(self, claim_id: int | None, message: str) -> None: ...

    def edit_failed(self, exc: BaseException, context: str) -> None: ...


def _quote(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return f"“{text[:limit]}…”" if len(text) > limit else f"“{text}”"


class CaseCommand(QUndoCommand):
    def __init__(self, host: EditHost, text: str) -> None:
        super().__init__(text)
        self.host = host
        self._first = True  # the window already made the change

    def redo(self) -> None:
        if self._first:
            self._first = False
            return
        self._run(self.do, "redo")

    def undo(self) -> None:
        self._run(self.undo_change, "undo")

    def _run(self, fn: Callable[[CaseStore], Change], verb: str) -> None:
        store = self.host.store
        if store is None:
            self.setObsolete(True)
            return
        try:
            claim_id, message = fn(store)
        except Exception as exc:
            # E.g. the claim was changed from the command line meanwhile: say so and drop it.
            self.setObsolete(True)
            self.host.edit_failed(exc, f"Could not {verb} “{self.text()}”")
            return
        self.host.after_edit(claim_id, f"{verb.capitalize()}: {message}")

    def do(self, store: CaseStore) -> Change:  # pragma: no cover - abstract
        raise NotImplementedError

    def undo_change(self, store: CaseStore) -> Change:  # pragma: no cover - abstract
        raise NotImplementedError


class AddClaimCommand(CaseCommand):
    def __init__(self, host: EditHost, claim_id: int, text: str) -> None:
        super().__init__(host, f"Add claim {_quote(text)}")
        self.claim_id = claim_id

    def do(self, store: CaseStore) -> Change:
        store.restore_claim(self.claim_id)
        return self.claim_id, f"claim {self.claim_id} shown again"

    def undo_change(self, store: CaseStore) -> Change:
        store.delete_claim(self.claim_id)
        return None, f"claim {self.claim_id} hidden (kept in the case)"


class EditSpanCommand(CaseCommand):
    def __init__(self, host: EditHost, claim_id: int, old: tuple[int, int],
                 new: tuple[int, int], text: str) -> None:
        super().__init__(host, f"Edit span of claim {claim_id} to {_quote(text)}")
        self.claim_id, self.old, self.new = claim_id, old, new

    def do(self, store: CaseStore) -> Change:
        claim = store.edit_claim(self.claim_id, *self.new)
        return self.claim_id, f"claim {self.claim_id} is {_quote(claim.text)} again"

    def undo_change(self, store: CaseStore) -> Change:
        claim = store.edit_claim(self.claim_id, *self.old)
        return self.claim_id, f"claim {self.claim_id} is back to {_quote(claim.text)}"


class DeleteClaimCommand(CaseCommand):
    def __init__(self, host: EditHost, claim_id: int, text: str) -> None:
        super().__init__(host, f"Delete claim {_quote(text)}")
        self.claim_id = claim_id

    def do(self, store: CaseStore) -> Change:
        store.delete_claim(self.claim_id)
        return None, f"claim {self.claim_id} hidden again (kept in the case)"

    def undo_change(self, store: CaseStore) -> Change:
        store.restore_claim(self.claim_id)
        return self.claim_id, f"claim {self.claim_id} shown again, with its verdict history"


class MergeClaimsCommand(CaseCommand):
    def __init__(self, host: EditHost, merged_id: int, parts: list[int]) -> None:
        super().__init__(host, f"Merge claims {', '.join(str(p) for p in parts)}")
        self.merged_id, self.parts = merged_id, list(parts)

    def do(self, store: CaseStore) -> Change:
        store.remerge_claims(self.merged_id, self.parts)
        return self.merged_id, f"claims merged into claim {self.merged_id} again"

    def undo_change(self, store: CaseStore) -> Change:
        restored = store.unmerge_claims(self.merged_id)
        first = restored[0].id if restored else None
        return first, (f"claim {self.merged_id} hidden; claims "
                       f"{', '.join(str(c.id) for c in restored)} shown again")


class LinkMediaCommand(CaseCommand):
    def __init__(self, host: EditHost, claim_id: int, old: int | None, new: int | None) -> None:
        what = f"to media {new}" if new else "from its media"
        super().__init__(host, f"Link claim {claim_id} {what}" if new
                         else f"Unlink claim {claim_id} {what}")
        self.claim_id, self.old, self.new = claim_id, old, new

    def _link(self, store: CaseStore, media_id: int | None) -> Change:
        store.link_media(self.claim_id, media_id)
        where = f"media {media_id}" if media_id else "no media"
        return self.claim_id, f"claim {self.claim_id} linked to {where}"

    def do(self, store: CaseStore) -> Change:
        return self._link(store, self.new)

    def undo_change(self, store: CaseStore) -> Change:
        return self._link(store, self.old)


class RecordVerdictCommand(CaseCommand):
    def __init__(self, host: EditHost, recorded: Verdict, previous: Verdict | None) -> None:
        super().__init__(host, f"Verdict “{recorded.rating.value}” on claim "
                               f"{recorded.claim_id}")
        self.recorded, self.previous = recorded, previous

    def do(self, store: CaseStore) -> Change:
        self.recorded = store.add_verdict(replace(self.recorded, id=None, created_at="",
                                                  analyst=""))
        return self.recorded.claim_id, (f"verdict “{self.recorded.rating.value}” recorded again "
                                        f"on claim {self.recorded.claim_id}")

    def undo_change(self, store: CaseStore) -> Change:
        from verifier.services import restore_verdict

        restored = restore_verdict(store, self.recorded, self.previous)
        return restored.claim_id, (f"claim {restored.claim_id} is back to "
                                   f"“{restored.rating.value}” (a new verdict; the history keeps "
                                   "both)")
