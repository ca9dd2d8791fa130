"""The site's URLs plus the dashboard's (and the exports'), for the dashboard tests.

selfeval/urls.py is to include projects.urls_dashboard under "dashboard/" (and the
export URLs at the root); until it does, the dashboard tests mount them here at the
same places. Once it does, this adds nothing and the tests run against the site's
own URLs.
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
if not _included("projects.urls_dashboard"):
    urlpatterns.append(path("dashboard/", include("projects.urls_dashboard")))
if find_spec("projects.urls_exports") and not _included("projects.urls_exports"):
    urlpatterns.insert(0, path("", include("projects.urls_exports")))
