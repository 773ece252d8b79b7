"""Operator commands: `python -m backend.cli <command> ...` (`--help` lists them).

Each domain with commands has a `cli.py` exposing `add_commands(subparsers)`, listed in
COMMANDS; each command sets `handler=fn(args) -> exit code` via `set_defaults`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

from backend.backup import cli as backup_cli
from backend.market import cli as market_cli
from backend.notifications import cli as notifications_cli
from backend.users import cli as users_cli

AddCommands = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]
COMMANDS: list[AddCommands] = [
    users_cli.add_commands,
    market_cli.add_commands,
    notifications_cli.add_commands,
    backup_cli.add_commands,
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m backend.cli")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in COMMANDS:
        add(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    return handler(args)


if __name__ == "__main__":
    raise SystemExit(main())
