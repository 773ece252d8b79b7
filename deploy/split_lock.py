"""Split a pip-compile lock in two: what only one package (and its own dependencies) needs, and
the rest. Dockerfile.api uses it to keep torch out of the API image while both images install the
one `requirements.prod.lock`:

    python split_lock.py requirements.prod.lock torch rest.txt torch.txt

`torch.txt` gets torch and every package that is in the lock only because of it (`# via torch`,
`# via sympy` where sympy is there only for torch, ...); `rest.txt` everything else, which is
dependency-complete on its own. Both are plain `name==version` lines; the lock's pip options
(`--extra-index-url`, `--find-links`: the dev machines' local mirrors) are dropped, the image
build passes its own indexes. Standard library only: it runs in the bare python image.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

PIN = re.compile(r"([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def parse(text: str) -> dict[str, tuple[str, set[str]]]:
    """Package -> (its `name==version` line, the packages it is there for, per `# via`)."""
    entries: dict[str, tuple[str, set[str]]] = {}
    current = ""
    for raw in text.splitlines():
        line = raw.strip()
        if pin := PIN.fullmatch(line):
            current = normalized(pin.group(1))
            entries[current] = (line, set())
        elif raw.startswith("    #") and current:
            parent = line.lstrip("#").strip().removeprefix("via").strip()
            if parent:  # "via" alone: the parents follow, one a line
                entries[current][1].add(normalized(parent.split()[0]))
        elif line and not line.startswith(("#", "-")):
            raise SystemExit(f"unexpected lock line: {raw!r}")
    return entries


def only_for(entries: dict[str, tuple[str, set[str]]], root: str) -> set[str]:
    """`root` and every package whose reasons to be in the lock all lead back to `root` only."""
    root = normalized(root)
    if root not in entries:
        raise SystemExit(f"{root} is not pinned in the lock")
    group = {root}
    grew = True
    while grew:
        grew = False
        for name, (_, parents) in entries.items():
            if name not in group and parents and parents <= group:
                group.add(name)
                grew = True
    return group


def main(argv: list[str]) -> int:
    if len(argv) != 5:
        sys.stderr.write(__doc__ or "")
        return 2
    lock, root, rest_out, group_out = argv[1:]
    entries = parse(Path(lock).read_text())
    group = only_for(entries, root)
    rest = [line for name, (line, _) in entries.items() if name not in group]
    mine = [line for name, (line, _) in entries.items() if name in group]
    Path(rest_out).write_text("\n".join(rest) + "\n")
    Path(group_out).write_text("\n".join(mine) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
