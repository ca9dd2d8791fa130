"""Production settings with bench/loadtest/urls.py as the URLconf (see its docstring)."""

from selfeval.settings import *  # noqa: F403

ROOT_URLCONF = "bench.loadtest.urls"
