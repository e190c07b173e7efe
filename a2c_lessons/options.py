"""The command line's options, each checked up front, before torch loads, with a one-line message.

Place in the data flow: before the line
`prompts -> sample -> Rollout -> score -> values -> gae -> a2c_loss -> step`:
it turns what a user typed into an `A2CConfig` (one option per field, typed from its
annotation, help from its docstring, checked by its rule) and a model source.

Every problem is one line that names the option, what was expected and what to do;
a problem with the command line exits with code 2, as argparse's own do.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import inspect
import os
import re
import sys
import typing
from pathlib import Path

from a2c_lessons.config import RULES, A2CConfig, check_field, combination_error, hub_offline

if typing.TYPE_CHECKING:  # policy imports torch, which this module must not load
    from a2c_lessons.policy import Policy


class UsageError(Exception):
    """The command line asks for something that cannot work (exit code 2)."""


class Parser(argparse.ArgumentParser):
    """argparse, with its errors in one line that says where to look (argparse prints the usage first)."""

    def error(self, message: str) -> typing.NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (`{self.prog} --help` lists the options)\n")


def checked(
    kind: typing.Callable[[str], typing.Any], test: typing.Callable[[typing.Any], bool], expected: str
) -> typing.Callable[[str], typing.Any]:
    """An argparse type: parse with `kind`, then refuse a value that fails `test` as 'expected EXPECTED'."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if not test(value):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value

    parse.__name__ = getattr(kind, "__name__", "value")
    return parse


def positive_int(text: str) -> int:
    return checked(int, lambda v: v >= 1, "an integer >= 1")(text)


def non_negative_int(text: str) -> int:
    return checked(int, lambda v: v >= 0, "an integer >= 0")(text)


def field_type(name: str) -> typing.Callable[[str], typing.Any]:
    """The argparse type of A2CConfig field `name`: parsed as its annotation says, checked by its rule."""
    hint = typing.get_type_hints(A2CConfig)[name]
    kind = next((t for t in typing.get_args(hint) if t is not type(None)), hint)
    kind = str if typing.get_origin(hint) is typing.Literal or kind not in (int, float, str) else kind
    optional = type(None) in typing.get_args(hint)  # "none" on the command line is None

    def parse(text: str):
        try:
            value = None if optional and text.lower() == "none" else kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {RULES[name][1]}, got {text!r}") from None
        expected = check_field(name, value, hint)
        if expected is not None:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value

    parse.__name__ = kind.__name__  # argparse names the type in some messages
    return parse


def add_config_options(parser: argparse.ArgumentParser) -> None:
    """One option per A2CConfig field, typed from its annotation, help from its docstring, checked by its rule."""
    docs = _field_docs()
    for field in dataclasses.fields(A2CConfig):
        flag = "--" + field.name.replace("_", "-")
        if typing.get_type_hints(A2CConfig)[field.name] is bool:
            parser.add_argument(
                flag, action=argparse.BooleanOptionalAction, default=argparse.SUPPRESS, help=docs.get(field.name)
            )
            continue
        help_ = f"{docs.get(field.name)} (default {field.default})"
        parser.add_argument(flag, type=field_type(field.name), default=argparse.SUPPRESS, help=help_)


def _field_docs() -> dict[str, str]:
    """The one-line docstring under each A2CConfig field."""
    body = ast.parse(inspect.getsource(A2CConfig)).body[0].body
    return {
        a.target.id: b.value.value
        for a, b in zip(body, body[1:])
        if isinstance(a, ast.AnnAssign) and isinstance(b, ast.Expr) and isinstance(b.value, ast.Constant)
    }


def given_config(args: argparse.Namespace) -> dict[str, typing.Any]:
    """The A2CConfig fields given on the command line (the others are absent from `args`)."""
    return {f.name: getattr(args, f.name) for f in dataclasses.fields(A2CConfig) if hasattr(args, f.name)}


def check_combination(given: dict[str, typing.Any]) -> None:
    """UsageError, naming both options, when values that pass their own rules do not fit together
    (`config.combination_error`: a group estimator with a batch not divisible by --group-size, --target-kl with
    one PPO epoch)."""
    problem = combination_error(_combined(given))
    if problem is not None:
        raise UsageError(problem)


def _combined(given: dict[str, typing.Any]) -> typing.Any:
    """The defaults with the given fields over them, as a namespace (not an A2CConfig: that would raise first)."""
    values = {f.name: f.default for f in dataclasses.fields(A2CConfig)}
    return argparse.Namespace(**{**values, **given})


# a hub id is NAME or OWNER/NAME of letters, digits, '-', '_' and '.' (huggingface_hub's own rule)
_HUB_ID = re.compile(r"^[\w.-]{1,96}(/[\w.-]{1,96})?$")
_TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "vocab.json", "tokenizer.model", "vocab.txt")


def check_model(value: str | None, option: str = "--model") -> None:
    """UsageError, naming the option, unless `value` is None (the bundled LM), a folder holding a model and
    its tokenizer, or a hub id that can load: cached, or downloadable with HF_HUB_OFFLINE=0."""
    if value is None:
        return
    path = Path(value).expanduser()
    if path.is_dir():
        files = {p.name for p in path.iterdir()}
        if "config.json" not in files:
            raise UsageError(
                f"{option} {value}: this folder is not a model (it has no config.json); give a folder written by "
                "save_pretrained(), such as runs/a2c/model"
            )
        if not any(name.endswith((".safetensors", ".bin", ".safetensors.index.json")) for name in files):
            raise UsageError(f"{option} {value}: this folder has a config.json but no weights (model.safetensors)")
        if not files.intersection(_TOKENIZER_FILES):
            raise UsageError(
                f"{option} {value}: this model folder has no tokenizer (tokenizer.json); save one beside the model "
                "with tokenizer.save_pretrained(folder)"
            )
        return
    if path.exists():
        raise UsageError(f"{option} {value}: this is a file; give the folder that holds the model")
    if value.startswith((".", "/", "~")) or not _HUB_ID.match(value):
        raise UsageError(f"{option} {value}: no such folder; give a folder that holds a model and its tokenizer")
    if hub_offline() and not _in_hub_cache(value):
        raise UsageError(
            f"{option} {value}: neither a folder here nor a hub model in the local cache, and nothing is downloaded: "
            "give a folder with config.json, weights and tokenizer, or set HF_HUB_OFFLINE=0 to download it"
        )


def _in_hub_cache(repo_id: str) -> bool:
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:  # transformers needs it, so only a broken install lands here
        return False
    return isinstance(try_to_load_from_cache(repo_id, "config.json"), str)


def check_max_new_tokens(policy: Policy, max_new_tokens: int) -> None:
    """UsageError, naming --max-new-tokens, when the longest prompt plus the response outgrows the model's positions
    (the sampler would fail later, deep inside, without naming the option)."""
    from a2c_lessons.corpus import PROMPTS

    config = policy.model.config
    limit = getattr(config, "n_positions", None) or getattr(config, "max_position_embeddings", None)
    longest = max(len(policy.tokenizer(prompt).input_ids) for prompt in PROMPTS)
    if limit and longest + max_new_tokens > limit:
        raise UsageError(
            f"--max-new-tokens {max_new_tokens}: the longest prompt ({longest} tokens) and the response must fit in "
            f"the model's {limit} positions; give --max-new-tokens {limit - longest} or less"
        )


def check_build_folder(out: Path) -> None:
    """UsageError unless `out` is free for a model build: new, empty, or a model built before (it is replaced)."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file; give a folder for the model")
    if out.is_dir() and any(out.iterdir()) and not (out / "config.json").is_file():
        raise UsageError(f"--out {out} holds files that are not a model; choose a new or empty folder")


def debug_requested(argv: list[str]) -> tuple[bool, list[str]]:
    """(whether a traceback is wanted, argv without --debug): `--debug` anywhere, or A2C_LESSONS_DEBUG=1."""
    env = os.environ.get("A2C_LESSONS_DEBUG", "").strip().lower() not in ("", "0", "false", "no")
    return env or "--debug" in argv, [a for a in argv if a != "--debug"]


def one_line(err: BaseException) -> str:
    """The first line of an error's message: the line a user reads (--debug shows the rest)."""
    text = str(err).strip().splitlines()
    return text[0] if text else type(err).__name__


def say(message: str) -> None:
    print(message, file=sys.stderr)
