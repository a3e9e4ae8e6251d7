"""Where blocks of work run: here, one after another, or on Dask workers (`--executor dask`).

A block (a slice of sweep points, a block of Monte Carlo draws) is a call of a module-level function
on picklable arguments (checked policies, not compiled ones: closures do not pickle); its result
depends only on its arguments, so the order and place blocks run in cannot change the outcome.
Results come back in the order of the blocks.

No worker outlives the run: local workers die with the process that forked them (Linux's
PR_SET_PDEATHSIG, else a thread watching the parent), even when it is killed by SIGKILL; on an error they
stop once the blocks in hand are done, on Ctrl-C or SIGTERM at once; a local Dask cluster's nannies and workers end when the pipe to their
parent closes (dask.distributed's own watch), which a SIGKILL of the parent closes too.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

EXECUTORS = ("local", "dask")
PR_SET_PDEATHSIG = 1  # linux/prctl.h


class ExecutorError(RuntimeError):
    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.hint = hint


def map_blocks(fn: Callable[..., Any], blocks: Sequence[tuple[Any, ...]], executor: str = "local",
               scheduler: str | None = None, done: Callable[[int], None] | None = None,
               meanwhile: Callable[[], None] | None = None) -> list[Any]:
    """`fn(*block)` for every block, in order.  `executor`: local or dask (`scheduler`: a Dask scheduler
    address, else a local cluster of this machine's cores); `done(k)` after each block finishes;
    `meanwhile()` in this process while the blocks run in others (once they are all handed out)."""
    if executor == "local":
        return _local(fn, blocks, done, meanwhile)
    if executor != "dask":
        raise ExecutorError(f"unknown executor `{executor}`", "use local or dask")
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError as e:
        raise ExecutorError("the dask executor needs dask.distributed",
                            "pip install 'policylab[dask]'") from e
    cluster = None
    try:
        if scheduler is None:
            cluster = LocalCluster(processes=True, threads_per_worker=1, dashboard_address=None)
            client = Client(cluster)
        else:
            client = Client(scheduler, timeout="20s")
    except (OSError, TimeoutError) as e:
        raise ExecutorError(f"cannot reach the Dask scheduler {scheduler}: {e}",
                            "start one with `dask scheduler` and workers with `dask worker ADDRESS`") from e
    try:
        futures = [client.submit(fn, *args, pure=False) for args in blocks]
        if meanwhile is not None:
            meanwhile()
        index = {f.key: k for k, f in enumerate(futures)}
        results: list[Any] = [None] * len(futures)
        for f in as_completed(futures):
            k = index[f.key]
            results[k] = f.result()
            if done is not None:
                done(k)
        return results
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _local(fn: Callable[..., Any], blocks: Sequence[tuple[Any, ...]], done: Callable[[int], None] | None,
           meanwhile: Callable[[], None] | None = None) -> list[Any]:
    """Here: several blocks on this machine's cores (forked processes: numpy work on small batches is
    mostly Python, which threads would serialise), one block in this process."""
    workers = min(len(blocks), os.cpu_count() or 1)
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        out = []
        for k, args in enumerate(blocks):
            out.append(fn(*args))
            if done is not None:
                done(k)
        return out
    results: list[Any] = [None] * len(blocks)
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                               initializer=_die_with_parent, initargs=(os.getpid(),))
    try:
        futures = {pool.submit(fn, *args): k for k, args in enumerate(blocks)}
        if meanwhile is not None:  # the workers are forked at the first submit: none is forked after this
            meanwhile()
        for f in as_completed(futures):
            results[futures[f]] = f.result()
            if done is not None:
                done(futures[f])
    except BaseException as e:
        # No other block starts.  A failed block: the few running finish (a block is small).  Ctrl-C or
        # SIGTERM: the user wants the run to end now, so the workers end now too (a terminal's Ctrl-C has
        # already reached them: they exit silently), rather than finishing a long block.
        interrupted = not isinstance(e, Exception)
        if interrupted:
            for worker in list(getattr(pool, "_processes", {}).values()):
                if worker.is_alive():
                    worker.terminate()
            if isinstance(e, SystemExit) and isinstance(e.code, int):  # the process is ending (SIGTERM)
                _exit_if_stuck(e.code)
        pool.shutdown(wait=not interrupted, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return results


def _exit_if_stuck(code: int, seconds: float = 15.0) -> None:
    """After SIGTERM (an exit: never a Ctrl-C in a notebook, which goes on) the run unwinds, its `finally`
    blocks clean up, and the process exits; should the exit then wait on the pool's manager thread
    (joined at interpreter exit, and seen to hang in a few runs of many when the workers were terminated
    mid-start), the process ends anyway, with the same code."""
    def force() -> None:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code)
    timer = threading.Timer(seconds, force)
    timer.daemon = True
    timer.start()


def _die_with_parent(parent: int) -> None:
    """A worker's first step: it dies with the process that forked it (SIGKILL included, which leaves the
    parent no chance to stop it); Ctrl-C ends it at once and silently (the parent says "interrupted" once)."""
    signal.signal(signal.SIGINT, lambda *_: os._exit(130))  # silently: the parent says "interrupted" once
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    try:  # Linux: the kernel sends SIGKILL when the parent dies
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        armed = libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        armed = False
    if os.getppid() != parent:  # the parent died between the fork and prctl
        os._exit(1)
    if not armed:  # elsewhere: a thread that watches for the parent's end
        def watch() -> None:
            while os.getppid() == parent:
                time.sleep(0.5)
            os._exit(1)
        threading.Thread(target=watch, daemon=True).start()
