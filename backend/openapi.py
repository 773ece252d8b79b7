"""Print the OpenAPI document of create_app() without starting anything (`make client`)."""

from __future__ import annotations

import json
import sys

from backend.config import Settings
from backend.main import create_app


def main() -> None:
    app = create_app(Settings(log_to_file=False, log_level="WARNING"))
    sys.stdout.write(json.dumps(app.openapi(), indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
