"""Run at the start of every Python process that has this folder on PYTHONPATH, as the
writer's workers do (they start as fresh interpreters, so a test's monkeypatch does not
reach them): with POLICYSEARCH_TEST_WORKER_DISK_FULL set, a worker's writes fail as on a
full disk. Test input only (tests/test_damaged_index.py)."""

import errno
import os

if os.environ.get("POLICYSEARCH_TEST_WORKER_DISK_FULL"):
    from whoosh.multiproc import SubWriterTask

    def _full_disk(self, filename, doc_count):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    SubWriterTask._process_file = _full_disk
