"""Responses as people should get them: Chinese 405 pages, no caching of signed-in pages."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.cache import patch_cache_control


class PeoplesResponsesMiddleware:
    """A Chinese page for a bare 405, and ``Cache-Control: no-store`` when signed in.

    ``require_POST`` and friends answer 405 with an empty body (the browser shows a blank
    page): it gets templates/405.html, keeping the ``Allow`` header. Pages of a signed-in
    user are never stored by the browser or a proxy (the back button after 退出, a shared
    computer). Static files are served by WhiteNoise before this middleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        bare = not getattr(response, "streaming", False) and not response.content
        if response.status_code == 405 and bare:
            response.content = loader.render_to_string("405.html")
            response["Content-Type"] = "text/html; charset=utf-8"
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response
