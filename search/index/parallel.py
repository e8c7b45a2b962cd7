"""Several segment writers in parallel processes, each leaving its own segment of one index;
and `open_writer`, which picks the writer for a build."""

from __future__ import annotations

import gc
import multiprocessing
import queue
import traceback

from search.index.writer import FastSegmentWriter

#: Documents sent to a worker process at a time.
BATCH_SIZE = 100


def open_writer(ix, limitmb: int = 256, procs: int = 1):
    """The writer for ``ix``: ours for an empty index (a build from scratch), else Whoosh's."""
    if ix.doc_count_all():
        return ix.writer(limitmb=limitmb)
    if procs > 1:
        return ParallelWriter(ix, procs=procs, limitmb=limitmb)
    return FastSegmentWriter(ix, limitmb=limitmb)


class ParallelWriter:
    """Several `FastSegmentWriter` processes, one segment each, fed batches in turn.

    Offers what a build needs of a Whoosh writer: ``add_document``, ``commit``, ``cancel``.
    """

    def __init__(self, ix, procs: int = 2, limitmb: int = 256, batchsize: int = BATCH_SIZE):
        # The parent's own writer holds the write lock and writes the TOC; it adds no document.
        self.writer = FastSegmentWriter(ix, limitmb=8)
        self.batchsize = batchsize
        self.batch: list[dict] = []
        self.turn = 0
        context = multiprocessing.get_context("fork")
        self.results = context.Queue()
        self.jobs = [context.Queue(4) for _ in range(procs)]
        self.workers = [
            context.Process(
                target=_work,
                args=(number, ix.storage, ix.indexname, jobs, self.results, max(16, limitmb // procs)),
                daemon=True,
            )
            for number, jobs in enumerate(self.jobs)
        ]
        for worker in self.workers:
            worker.start()
        self.is_closed = False

    def add_document(self, **fields) -> None:
        self.batch.append(fields)
        if len(self.batch) >= self.batchsize:
            self._send()

    def _send(self) -> None:
        jobs, worker = self.jobs[self.turn], self.workers[self.turn]
        self._put(jobs, worker, self.batch)
        self.batch = []
        self.turn = (self.turn + 1) % len(self.jobs)

    def _put(self, jobs, worker, item) -> None:
        while True:
            try:
                jobs.put(item, timeout=1.0)
                return
            except queue.Full:
                if not worker.is_alive():
                    self._raise_worker_error()

    def _raise_worker_error(self) -> None:
        while True:
            try:
                _number, result = self.results.get(timeout=1.0)
            except queue.Empty:
                raise RuntimeError("an indexing process died") from None
            if isinstance(result, str):
                raise RuntimeError(f"an indexing process failed:\n{result}")

    def commit(self) -> None:
        if self.batch:
            self._send()
        for jobs, worker in zip(self.jobs, self.workers, strict=True):
            self._put(jobs, worker, None)
        segments: dict[int, object] = {}
        while len(segments) < len(self.workers):
            try:
                number, result = self.results.get(timeout=1.0)
            except queue.Empty:
                if any(not w.is_alive() for n, w in enumerate(self.workers) if n not in segments):
                    # it may have put its result just before exiting: one last look
                    try:
                        number, result = self.results.get(timeout=1.0)
                    except queue.Empty:
                        raise RuntimeError("an indexing process died") from None
                else:
                    continue
            if isinstance(result, str):
                raise RuntimeError(f"an indexing process failed:\n{result}")
            segments[number] = result
        for worker in self.workers:
            worker.join()
        writer = self.writer
        writer._close_segment()
        writer._commit_toc([segments[n] for n in sorted(segments) if segments[n] is not None])
        writer._finish()
        self.is_closed = True

    def cancel(self) -> None:
        for worker in self.workers:
            if worker.is_alive():
                worker.terminate()
            worker.join()
        if not self.writer.is_closed:
            self.writer.cancel()
        self.is_closed = True


def _work(number: int, storage, indexname: str, jobs, results, limitmb: int) -> None:
    """One indexing process: add every batch it is given, then finish its segment."""
    gc.disable()  # see gc_paused: this process only builds
    try:
        ix = storage.open_index(indexname)
        writer = FastSegmentWriter(ix, _lk=False, limitmb=limitmb)
        while True:
            batch = jobs.get()
            if batch is None:
                break
            for fields in batch:
                writer.add_document(**fields)
        if writer.docnum:
            segment = writer._finalize_segment()
        else:
            writer._close_segment()
            segment = None
        results.put((number, segment))
    except BaseException:
        results.put((number, traceback.format_exc()))
