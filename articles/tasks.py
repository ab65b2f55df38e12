"""Background tasks (django-tasks; the worker is ``manage.py import_worker``)."""

from django_tasks import task


@task()
def run_import(job_id: int) -> None:
    """Run an ImportJob: a version or a file of annotations (articles/import_jobs.py)."""
    from articles import import_jobs

    import_jobs.run(job_id)
