"""``python -m momentum_app.talk scenes.toml -o talk.html``: the talk as one offline file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from momentum_app.talk.export import write_talk
from momentum_app.talk.scenes import SCENES_FILE


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m momentum_app.talk",
        description="Write every scene of a scenes file as one offline HTML talk.",
    )
    parser.add_argument("scenes", nargs="?", type=Path, default=SCENES_FILE,
                        help="the scenes file (default: the app's own)")  # fmt: skip
    parser.add_argument("-o", "--output", type=Path, default=Path("talk.html"))
    args = parser.parse_args(argv)
    try:
        size = write_talk(args.scenes, args.output)
    except (OSError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"wrote {args.output} ({size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
