"""The project's URLconf with the import page under imports/, until the lead includes it."""

from django.urls import include, path

from selfeval.urls import urlpatterns as project_urlpatterns

urlpatterns = list(project_urlpatterns)
if not any(getattr(pattern, "namespace", None) == "imports" for pattern in urlpatterns):
    urlpatterns.insert(0, path("imports/", include("projects.urls_imports")))
