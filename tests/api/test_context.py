"""The application context's search threads: where searches run, how many at once, after a close."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from pathlib import Path

import pytest

from api.context import ApiContext
from api.settings import ApiSettings
from archive.home import DataHome

CALLER = contextvars.ContextVar("caller", default="none")


def _context(tmp_path: Path, threads: int) -> ApiContext:
    home = DataHome(tmp_path / "home").ensure()
    return ApiContext(home=home, settings=ApiSettings(search_threads=threads), sources_file=home.sources_file)


def test_a_call_runs_on_a_search_thread_with_the_callers_context(tmp_path: Path) -> None:
    ctx = _context(tmp_path, threads=2)

    def where(suffix: str) -> tuple[str, str, bool]:
        return CALLER.get() + suffix, threading.current_thread().name, threading.current_thread() is main

    async def call() -> tuple[str, str, bool]:
        CALLER.set("request-7")
        return await ctx.in_search_thread(where, "!")

    main = threading.main_thread()
    try:
        value, name, on_main = asyncio.run(call())
    finally:
        ctx.close()
    assert value == "request-7!"
    assert name.startswith("deptnews-search")
    assert not on_main


def test_an_exception_reaches_the_caller(tmp_path: Path) -> None:
    ctx = _context(tmp_path, threads=1)

    def fail() -> None:
        raise ValueError("from the search thread")

    try:
        with pytest.raises(ValueError, match="from the search thread"):
            asyncio.run(ctx.in_search_thread(fail))
    finally:
        ctx.close()


def test_more_searches_than_threads_wait_for_one(tmp_path: Path) -> None:
    ctx = _context(tmp_path, threads=1)
    started, gate = threading.Event(), threading.Event()
    order: list[str] = []

    def first() -> None:
        order.append("first started")
        started.set()
        gate.wait(10)
        order.append("first ended")

    def second() -> None:
        order.append("second")

    async def run() -> None:
        one = asyncio.ensure_future(ctx.in_search_thread(first))
        two = asyncio.ensure_future(ctx.in_search_thread(second))
        for _ in range(1000):  # however slow the machine, until the first holds the one thread
            if started.is_set():
                break
            await asyncio.sleep(0.01)
        # Whatever the wait, with one thread the second cannot start while the first holds it.
        await asyncio.sleep(0.2)
        assert order == ["first started"]
        gate.set()
        await asyncio.gather(one, two)

    try:
        asyncio.run(run())
    finally:
        gate.set()
        ctx.close()
    assert order == ["first started", "first ended", "second"]


def test_the_threads_start_again_after_a_close(tmp_path: Path) -> None:
    # An application outlives its lifespan (tests reuse one across clients): searches go on.
    ctx = _context(tmp_path, threads=1)
    assert asyncio.run(ctx.in_search_thread(lambda: 1)) == 1
    ctx.close()
    try:
        assert asyncio.run(ctx.in_search_thread(lambda: 2)) == 2
    finally:
        ctx.close()
