"""django-tasks-db's ``db_worker`` plus a heartbeat, so that the jobs pages can tell
when no worker is running (``make run`` and ``make worker`` start this one).

Same options as ``db_worker``. A thread writes the heartbeat every
``HEARTBEAT_SECONDS``, also while a long task runs; a clean stop (Ctrl+C, SIGTERM,
``--batch`` done) removes it at once, a killed worker's ages out.
"""

from __future__ import annotations

import logging
import os
import socket
import threading

from django.db import DatabaseError, connection
from django_tasks_db.management.commands import db_worker

from jobs.services import HEARTBEAT_SECONDS, worker_beat, worker_gone

logger = logging.getLogger(__name__)


class Heartbeat:
    def __init__(self, worker_id: str, interval: float = HEARTBEAT_SECONDS) -> None:
        self.worker_id, self.interval = worker_id, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="jobs-heartbeat", daemon=True)

    def beat(self) -> None:
        try:
            worker_beat(self.worker_id, host=socket.gethostname()[:255], pid=os.getpid())
        except DatabaseError as exc:  # a locked SQLite file, a dropped connection: next time
            logger.warning("worker heartbeat not written: %s", exc)

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                self.beat()
        finally:
            connection.close()  # this thread's own connection

    def start(self) -> None:
        self.beat()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        try:
            worker_gone(self.worker_id)
        except DatabaseError as exc:
            logger.warning("worker heartbeat not removed: %s", exc)


class Command(db_worker.Command):
    help = "运行后台任务（整年 ZIP、Excel 汇总表、批量导入），并定时记录心跳，供任务页面判断处理程序是否在运行"

    def handle(self, *args, **options) -> None:
        heartbeat = Heartbeat(options["worker_id"])
        heartbeat.start()
        try:
            super().handle(*args, **options)
        finally:
            heartbeat.stop()
