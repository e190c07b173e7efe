"""The data behind the learning-dynamics explorable (explorable.md), computed from the tiny LM when the site is built.

For each context x_o the page needs its logits z(x_o), and for each update (x_u, y_u) the direction d = J(x_o) g_u
of the logits (`a2c_lessons.dynamics.direction_table`): V floats each. The first-order change of the logits is
eta A d, linear in eta A, so the page's JavaScript redraws softmax(z(x_o) + eta A d) for any slider setting
with nothing but these numbers. They go into _static/dynamics-data.js as one `window.DYNAMICS_DATA = {...}`
assignment: a script, not a fetched JSON file, so the page also works opened as a file.
"""

from __future__ import annotations

import json
from pathlib import Path

# the updates the reader picks from, and the contexts they look at: shared words, shared positions, unrelated
UPDATES = [
    ("the food was", "great"),
    ("the food was", "bland"),
    ("the service was", "rude"),
    ("i loved the", "pizza"),
]
CONTEXTS = [
    "the food was",
    "the service was",
    "the food is",
    "the movie was really",
    "i loved the",
    "honestly , the",
]
DEFAULT_CONTEXT = 1  # "the service was": the update on "the food was" seen elsewhere
DATA_FILE = "dynamics-data.js"


def explorable_data() -> dict:
    """Everything the page computes from, as plain lists (each float32 value exactly, as a JSON number)."""
    import torch

    from a2c_lessons import dynamics
    from a2c_lessons.policy import load_policy

    torch.manual_seed(0)
    policy = load_policy(device="cpu")
    logits, directions = dynamics.direction_table(policy, UPDATES, CONTEXTS)
    own_logits = dynamics.context_logits(policy, [prompt for prompt, _ in UPDATES])
    vocab = policy.tokenizer.convert_ids_to_tokens(list(range(logits.shape[-1])))
    return {
        "vocab": vocab,
        "updates": [{"prompt": p, "token": t, "token_id": dynamics.token_id(policy, t)} for p, t in UPDATES],
        "contexts": CONTEXTS,
        "default_context": DEFAULT_CONTEXT,
        "logits": logits.tolist(),  # (O, V)
        "directions": directions.tolist(),  # (U, O, V)
        "own_logits": own_logits.tolist(),  # (U, V): z(x_u), for the softmax by hand
    }


def script_text(data: dict) -> str:
    return "window.DYNAMICS_DATA = " + json.dumps(data, separators=(",", ":"), allow_nan=False) + ";\n"


def write_data(app, exception) -> None:
    """After an HTML build, write the data script next to the page's other static files."""
    if exception is not None or app.builder.format != "html":
        return
    static = Path(app.outdir) / "_static"
    static.mkdir(parents=True, exist_ok=True)
    (static / DATA_FILE).write_text(script_text(explorable_data()), encoding="utf-8")


def setup(app) -> dict:
    app.connect("build-finished", write_data)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
