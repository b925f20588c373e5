"""``python -m deptnews.demo [--host H] [--port SITE=PORT ...]``: serve the demo sites."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from deptnews.demo.server import run_blocking
from deptnews.demo.sites import SITES


def _port_spec(text: str) -> tuple[str, int]:
    site_id, sep, port = text.partition("=")
    if not sep or not port.isdigit():
        raise argparse.ArgumentTypeError(f"expected SITE=PORT, got {text!r}")
    return site_id, int(port)


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the command line and serve until Ctrl-C."""
    parser = argparse.ArgumentParser(
        prog="python -m deptnews.demo", description="Serve the deptnews demo sites."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--port",
        action="append",
        type=_port_spec,
        default=[],
        metavar="SITE=PORT",
        help=f"fixed port for a site ({', '.join(s.id for s in SITES)}); default: free port",
    )
    args = parser.parse_args(argv)
    ports = dict(args.port)
    unknown = sorted(set(ports) - {site.id for site in SITES})
    if unknown:
        parser.error(f"unknown site id(s): {', '.join(unknown)}")
    run_blocking(ports, args.host)


if __name__ == "__main__":
    main()
