"""Start-up: importing the CLI and asking it or any of its commands for --help loads no torch (nor scipy,
pandas or matplotlib). Checked on sys.modules in a fresh interpreter, never on timings
(benchmarks/bench_startup.py measures those)."""

import subprocess
import sys
from importlib.metadata import entry_points

import click
import pytest

from segment.cli import main

HEAVY = ("torch", "scipy", "pandas", "matplotlib")

#: Run `actseg ARGS` in-process (help text discarded), then print the HEAVY modules loaded.
PROBE = """
import contextlib, io, sys
from segment.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        main(sys.argv[1:], prog_name="actseg", standalone_mode=False)
    except SystemExit:
        pass
print(" ".join(name for name in HEAVY if name in sys.modules))
"""


def command_paths() -> list[tuple[str, ...]]:
    """Every command below `actseg`: each subcommand, and each subcommand of a group."""
    context = click.Context(main)
    paths = []
    for name in main.list_commands(context):
        paths.append((name,))
        command = main.get_command(context, name)
        if isinstance(command, click.Group):
            paths += [(name, sub) for sub in command.list_commands(context)]
    return paths


def heavy_modules_after(code: str, *args: str) -> list[str]:
    """The HEAVY modules loaded once ``code`` has run with ``args`` in a fresh interpreter."""
    done = subprocess.run([sys.executable, "-c", f"HEAVY = {HEAVY!r}\n{code}", *args], capture_output=True,
                          text=True, check=True)
    return done.stdout.split()


def test_the_console_script_is_the_click_group_probed():
    [script] = entry_points(group="console_scripts", name="actseg")
    assert script.value == "segment.cli:main"


def test_importing_the_cli_loads_no_heavy_module():
    assert heavy_modules_after("import sys, segment.cli\nprint(*[m for m in HEAVY if m in sys.modules])") == []


@pytest.mark.parametrize("path", [(), *command_paths()], ids=lambda path: " ".join(["actseg", *path, "--help"]))
def test_help_loads_no_heavy_module(path):
    loaded = heavy_modules_after(PROBE, *path, "--help")
    assert loaded == [], f"{' '.join(['actseg', *path, '--help'])} imports {loaded}: import them where used"
