"""View decorators shared by the app's pages.

``post_only``: an address that only a button POSTs to (save, submit, review, a job's
start …) still gets a GET now and then — a bookmark, a reload, or the sign-in page's
``next=`` after a session expired during a save. Such a GET is sent to the page the
button is on instead of a blank 405; other methods are still 405.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import reverse

from projects.selectors.evaluations import evaluations_for_user

NOT_FOUND = "没有找到该自评表，或您无权查看。"

View = Callable[..., HttpResponse]


def post_only(to: Callable[..., str]) -> Callable[[View], View]:
    """POST runs the view; GET or HEAD redirects to ``to(request, **url kwargs)``."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method in ("GET", "HEAD"):
                return redirect(to(request, *args, **kwargs))
            if request.method != "POST":
                return HttpResponseNotAllowed(["POST"])
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def named(url_name: str) -> Callable[..., str]:
    """``to`` for post_only: the named page, with the view's own URL arguments."""
    return lambda request, *args, **kwargs: reverse(url_name, args=args, kwargs=kwargs)


def _form_page(request: HttpRequest, pk: int, **kwargs) -> str:
    # Scoped like the form page itself: an outsider learns nothing from the redirect.
    if not evaluations_for_user(request.user).filter(pk=pk).exists():
        raise Http404(NOT_FOUND)
    return reverse("evaluation_detail", args=[pk])


# The buttons of one form's page (…/save/, …/submit/, …/review/ …).
post_only_form = post_only(_form_page)
