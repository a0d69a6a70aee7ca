"""The two kinds of failure: a user's bad input (shown plainly) and everything else (a bug)."""

from __future__ import annotations

from pathlib import Path


class VerifierError(Exception):
    """Base of every error the application raises on purpose."""


class UserError(VerifierError):
    """Bad input the user can fix: a bad file, an unreachable URL, a locked case.

    The message always names the thing at fault and the reason, in one line.
    """

    def __init__(self, subject: str | Path, reason: str) -> None:
        self.subject = str(subject)
        self.reason = reason
        super().__init__(f"{self.subject}: {reason}")


class Cancelled(VerifierError):
    """The user cancelled a long job; whatever was committed before stays."""

    def __init__(self) -> None:
        super().__init__("cancelled")
