"""Case store: hidden claims come back with their history, merges undo and redo, and the
keyframe and shot details survive a round trip through the case file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ARTICLE, MEDIA, shared_file
from tests.helpers import checked_photo_case, copy_case, isolated_user_dirs, run_cli_redirected
from verifier.case import CaseStore
from verifier.models import Rating, Verdict

PHOTO = "exif-samples/jpg/Canon_40D.jpg"
VIDEO = "PySceneDetect/tests/resources/goldeneye-vfr-drop3.mp4"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return checked_photo_case(tmp_path_factory, "history-template", MEDIA / PHOTO, ARTICLE)


@pytest.fixture
def case(template: Path, tmp_path: Path) -> Path:
    return copy_case(template, tmp_path)


def test_a_deleted_claim_is_restored_with_its_verdict_history(case: Path) -> None:
    with CaseStore.open(case) as store:
        claim = store.claims()[0]
        assert claim.id is not None
        store.add_verdict(Verdict(claim.id, Rating.INCONCLUSIVE, "first look"))
        store.delete_claim(claim.id)
        assert claim.id not in [c.id for c in store.claims()]
        assert store.claim_hidden(claim.id)
        restored = store.restore_claim(claim.id)
        assert restored.text == claim.text
        assert not store.claim_hidden(claim.id)
        assert [v.rating for v in store.verdict_history(claim.id)] == [Rating.INCONCLUSIVE]
        assert [e.action for e in store.audit_trail()][-2:] == ["claim.deleted",
                                                               "claim.restored"]
        assert store.verify() == []


def test_a_merge_undoes_and_redoes(case: Path) -> None:
    with CaseStore.open(case) as store:
        first, second = store.claims()[:2]
        assert first.id is not None and second.id is not None
        merged = store.merge_claims([first.id, second.id])
        assert merged.id is not None
        assert merged.start == min(first.start, second.start)
        assert merged.end == max(first.end, second.end)
        parts = store.unmerge_claims(merged.id)
        assert sorted(c.id for c in parts) == sorted([first.id, second.id])
        assert store.claim_hidden(merged.id)
        again = store.remerge_claims(merged.id, [first.id, second.id])
        assert again.id == merged.id
        assert store.claim_hidden(first.id) and store.claim_hidden(second.id)
        assert store.verify() == []


def test_shot_transitions_and_keyframe_kinds_are_kept(tmp_path: Path) -> None:
    video = shared_file(VIDEO)
    case = tmp_path / "video.vcase"
    with isolated_user_dirs(tmp_path / "xdg"):
        result = run_cli_redirected("check", video, "--article", ARTICLE, "--report",
                                    tmp_path / "r.html", "--case", case)
    assert result.rc == 0, result.err
    with CaseStore.open(case) as store:
        media_id = store.media()[0].id
        assert media_id is not None
        shots = store.shots(media_id)
        keyframes = store.keyframes(media_id)
    # goldeneye-vfr-drop3.mp4 has hard cuts at frames 90 and 210 of the 23.976 fps original
    # (PySceneDetect's goldens): 3.754 s and 8.759 s.
    assert [s.transition for s in shots] == ["start", "cut", "cut"]
    assert all(abs(s.start - t) < 0.5 for s, t in zip(shots[1:], (3.754, 8.759), strict=True))
    assert all(s.start_frame is not None and s.end_frame is not None for s in shots)
    assert keyframes and all(k.kind == "shot" for k in keyframes)
    assert all(Path(k.thumbnail).is_file() for k in keyframes)
    assert all(len(k.pdq) == 64 and k.pdq_quality is not None for k in keyframes)
