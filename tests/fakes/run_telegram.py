"""Run the fake Telegram Bot API on its own, for `make run` + `make bot` by hand or a browser
test (the Playwright suite reads the fake chat through `/_fake/chats/<id>/messages`).

    .venv/bin/python -m tests.fakes.run_telegram --port-file var/fake-telegram.env
    set -a; . var/fake-telegram.env; set +a; make run   # and, in another shell, make bot

The env file sets TELEGRAM_BOT_TOKEN and TELEGRAM_API_URL (127.0.0.1 only).
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from tests.fakes.telegram_server import TOKEN, FakeTelegram


async def main(port: int, port_file: Path | None) -> None:
    fake = await FakeTelegram().start(port)
    if port_file is not None:
        port_file.parent.mkdir(parents=True, exist_ok=True)
        port_file.write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\nTELEGRAM_API_URL={fake.url}\n")
    print(f"fake Telegram Bot API at {fake.url} (token {TOKEN})", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await fake.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", type=Path)
    args = parser.parse_args()
    asyncio.run(main(args.port, args.port_file))
