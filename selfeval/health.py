"""``/healthz``: is this app server able to serve? (for the proxy or orchestrator)

No login, no session, no writes: one ``SELECT 1`` on the default database.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        # Django drops a broken connection when the request ends (close_old_connections),
        # so the next request opens a fresh one.
        logger.warning("healthz: database unavailable: %s", exc)
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")
