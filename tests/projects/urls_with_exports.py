"""The site's URLs plus the export URLs, for the export view tests.

selfeval/urls.py includes projects.urls_exports once the lead wires it; until then the
view tests use this urlconf (including it twice is harmless).
"""

from django.urls import include, path

from selfeval.urls import urlpatterns as site_urlpatterns

urlpatterns = [path("", include("projects.urls_exports")), *site_urlpatterns]
