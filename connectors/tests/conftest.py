import pytest


@pytest.fixture(autouse=True)
def _tasks_in_process(tasks_in_process):
    """Deliveries are applied (and pushes sent) by Celery tasks scheduled after commit.

    CI sets a broker with no worker here: the tasks must run in this process, as
    they do with no broker (`make run`), or nothing would ever be applied.
    """
