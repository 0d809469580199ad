"""The `ramp` command: the bundled compiler, run in this process's place."""

import os
import sys

from ramp import _binary


def main() -> None:
    binary = _binary.path()
    # exec, not a child: the REPL owns the terminal, and lsp and serve own stdio and signals.
    os.execv(binary, [binary, *sys.argv[1:]])


if __name__ == "__main__":
    main()
