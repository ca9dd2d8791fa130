"""WSGI entry point (gunicorn selfeval.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "selfeval.settings")

application = get_wsgi_application()
