"""The site's URLs plus the ones not wired into selfeval/urls.py yet (exports, dashboard).

Once selfeval/urls.py includes them, this adds nothing and the load test runs against
the site's own URLs.
"""

from importlib.util import find_spec

from django.urls import include, path

from selfeval.urls import urlpatterns as site_patterns


def _included(module: str) -> bool:
    return any(
        getattr(getattr(pattern, "urlconf_name", None), "__name__", None) == module
        for pattern in site_patterns
    )


urlpatterns = list(site_patterns)
if find_spec("projects.urls_dashboard") and not _included("projects.urls_dashboard"):
    urlpatterns.insert(-1, path("dashboard/", include("projects.urls_dashboard")))
if find_spec("projects.urls_exports") and not _included("projects.urls_exports"):
    urlpatterns.insert(0, path("", include("projects.urls_exports")))
