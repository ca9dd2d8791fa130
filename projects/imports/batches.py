"""Parsed uploads kept in the session between the preview and the confirmation.

A batch is the preview of one upload (``preview.FilePreview.as_dict`` per file,
forms included as interchange dicts), under a random token. It lives in the
uploader's own session, so another user's token is simply not found (404);
the user id is checked as well. Only the last few batches are kept. A file of a
batch is replaced when the uploader maps its unknown 一级/二级 (``imports.levels``).
"""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.utils import timezone

from projects.imports.preview import FilePreview

SESSION_KEY = "selfeval_import_batches"
MAX_BATCHES = 5


def _batches(session: SessionBase) -> dict[str, dict[str, Any]]:
    batches = session.get(SESSION_KEY)
    return batches if isinstance(batches, dict) else {}


def batch_store(session: SessionBase, *, user_id: int, files: list[FilePreview]) -> str:
    batches = _batches(session)
    token = secrets.token_urlsafe(18)
    batches[token] = {
        "user": user_id,
        "created": timezone.now().isoformat(),
        "files": [preview.as_dict() for preview in files],
    }
    for old in sorted(batches, key=lambda key: batches[key]["created"])[:-MAX_BATCHES]:
        del batches[old]
    session[SESSION_KEY] = batches
    return token


def batch_get(session: SessionBase, token: str, *, user_id: int) -> list[FilePreview] | None:
    """The files of a batch, or None when it is not this user's (or no longer kept)."""
    batch = _batches(session).get(token)
    if not batch or batch.get("user") != user_id:
        return None
    return [FilePreview.from_dict(raw) for raw in batch["files"]]


def batch_replace(
    session: SessionBase, token: str, *, user_id: int, index: int, file: FilePreview
) -> bool:
    """Put ``file`` in place of the batch's file ``index`` (False: no such batch or file)."""
    batches = _batches(session)
    batch = batches.get(token)
    if not batch or batch.get("user") != user_id or not 0 <= index < len(batch["files"]):
        return False
    batch["files"][index] = file.as_dict()
    session[SESSION_KEY] = batches
    session.modified = True  # a change inside the stored dict
    return True


def batch_delete(session: SessionBase, token: str) -> None:
    batches = _batches(session)
    if batches.pop(token, None) is not None:
        session[SESSION_KEY] = batches
