"""The ``actseg`` command: one click group whose subcommands live in their own modules, loaded lazily."""

from __future__ import annotations

import importlib

import click
from click.exceptions import NoArgsIsHelpError

from segment.errors import ActSegError

#: subcommand name -> "module:attribute" of its click command.
COMMANDS = {
    "corpus": "segment.cli.corpus:corpus",
    "train": "segment.cli.train:train",
    "segment": "segment.cli.segment_text:segment",
    "ponder": "segment.cli.ponder:ponder",
    "plot": "segment.cli.plot:plot",
    "evaluate": "segment.cli.evaluate:evaluate",
    "compare": "segment.cli.evaluate:compare",
    "score": "segment.cli.score:score",
    "readout": "segment.cli.readout:readout",
    "experiments": "segment.cli.experiments:experiments",
}


class LazyGroup(click.Group):
    """Imports a subcommand's module only when it runs; turns ActSegError into a one-line error."""

    def list_commands(self, ctx):
        return sorted(COMMANDS)

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return None
        module, attr = COMMANDS[name].split(":")
        return getattr(importlib.import_module(module), attr)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ActSegError as err:
            raise click.ClickException(one_line(str(err))) from None
        except NoArgsIsHelpError:  # a group called without its subcommand: its help, several lines by design
            raise
        except click.ClickException as err:  # e.g. a usage error quoting an argument that holds a line break
            err.message = one_line(err.message)
            raise


def one_line(message: str) -> str:
    """The message with line breaks escaped, so an error is always one line."""
    return message.replace("\r", "\\r").replace("\n", "\\n")


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="act-segment")
def main():
    """Find word and sentence boundaries in unspaced sequences from the ponder time of an ACT model."""
