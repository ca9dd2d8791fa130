"""The site's URLs plus the jobs' (until selfeval/urls.py includes them under jobs/)."""

from django.urls import include, path

from selfeval.urls import urlpatterns as site_patterns

_included = any(getattr(p, "app_name", None) == "jobs" for p in site_patterns)
urlpatterns = list(site_patterns)
if not _included:
    urlpatterns.insert(0, path("jobs/", include("jobs.urls")))
