"""Run every bench/bench_*.py in turn with this Python and print their tables."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def main() -> int:
    here = Path(__file__).resolve().parent
    failed = []
    for script in sorted(here.glob("bench_*.py")):
        print(f"\n<!-- {script.name} -->", flush=True)
        code = subprocess.run([sys.executable, str(script)], cwd=here.parent).returncode
        if code:
            failed.append(script.name)
            print(f"\n{script.name} failed with exit status {code}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
