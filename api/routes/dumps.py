"""Open-data dumps: ``/dumps/`` lists them, ``/dumps/{name}/{file}`` serves their files."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from api.models import DumpFileOut, DumpOut, DumpsOut
from api.problems import Problem
from api.routes.common import absolute_url, context, model_response
from archive.dump import is_dump_file_name, is_dump_name, list_dumps


def _sums(path: str) -> dict[str, str]:
    sums: dict[str, str] = {}
    try:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                digest, _, name = line.strip().partition("  ")
                if name:
                    sums[name] = digest
    except OSError:
        pass
    return sums


def _listing(request: Request) -> DumpsOut:
    dumps = []
    for path in list_dumps(context(request).home.dumps_dir):
        sums = _sums(str(path / "SHA256SUMS"))
        files = [
            DumpFileOut(
                name=f.name,
                bytes=f.stat().st_size,
                sha256=sums.get(f.name),
                url=absolute_url(request, "dump_file", name=path.name, file=f.name),
            )
            for f in sorted(path.iterdir())
            if f.is_file()
        ]
        created = datetime.strptime(path.name.removeprefix("deptnews-"), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        dumps.append(DumpOut(name=path.name, created=created, files=files))
    return DumpsOut(dumps=dumps)


async def dumps(request: Request) -> Response:
    """Every dump, newest first, with its files, sizes and SHA-256 checksums."""
    return model_response(await run_in_threadpool(_listing, request))


async def dump_file(request: Request) -> Response:
    name, file = request.path_params["name"], request.path_params["file"]
    # Names are checked against the dump naming scheme before they touch the file system.
    if not is_dump_name(name) or not is_dump_file_name(file):
        raise Problem(404, "not-found", "Not found", "no such dump file")
    path = context(request).home.dumps_dir / name / file
    if not path.is_file():
        raise Problem(404, "not-found", "Not found", "no such dump file")
    media = {
        ".json": "application/json",
        ".gz": "application/gzip",
        ".md": "text/markdown; charset=utf-8",
        ".csv": "text/csv; charset=utf-8; header=present",
    }.get(path.suffix, "text/plain; charset=utf-8")
    return FileResponse(path, media_type=media, headers={"Cache-Control": "public, max-age=86400, immutable"})


routes = [
    Route("/dumps/", dumps, name="dumps"),
    Route("/dumps/{name}/{file}", dump_file, name="dump_file"),
]
