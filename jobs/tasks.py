"""The one task the queue knows: run a Job by its id (``manage.py db_worker`` picks it up)."""

from django_tasks import task

from jobs.runners import run


@task()
def run_job(job_id: int) -> str:
    return run(job_id)
