# ruff: noqa: E402
"""Cells for notebooks/07_beyond_a2c.ipynb: "Side by side with TRL" (paste each `# %%` block as one cell).

Place: after the "A2C against PPO" section, before "## Exercises". Names are prefixed `trl_` so
the lesson's own `policy` and `curves` are left alone.

Runs as a script too (`python benchmarks/trl_lesson_snippet.py`), which is how it is checked.
Without TRL every code cell prints why it skips and does nothing else, so the lesson still runs
top to bottom; with it, the section takes well under a minute on a laptop CPU.
"""

# %% [markdown]
# ## Side by side with TRL: a group baseline instead of a critic
#
# [TRL](https://huggingface.co/docs/trl) is the RL library most people fine-tune LMs with. Its
# version 1.16 trains with **GRPO** and **RLOO**; its PPO trainer was removed after 1.12, so the
# actor-critic family this course is about is no longer in the main RLHF library. Both methods
# keep our loss, L = -E[sum_t log pi(y_t | x, y_<t) * A], and change only where the baseline comes from.
#
# GRPO samples G completions y_1 ... y_G of the same prompt x and gives every token of y_i
#
#     A_i = (r_i - mean_j r_j) / std_j r_j
#
# The group mean stands where V(x, y_<t) stood: the baseline is *measured* from G samples of one
# prompt instead of *learned* by a critic. There is no value head, no critic loss and no GAE, at
# the price of G completions per prompt and one advantage per sequence (no per-token credit).
# RLOO is the same idea with the mean of the *other* G - 1 rewards and no division by the std.
#
# Our tiny LM, prompts and exact reward plug into TRL unchanged (`a2c_lessons.trl_bridge`). We train
# both for 50 steps of 64 reviews at the same learning rate (1e-3) and KL coefficient (0.05), and judge
# both with the same yardstick: 256 fresh reviews at temperature 1, their fraction positive and their
# KL to the starting model.

# %%
import copy
import warnings

from a2c_lessons import trl_bridge
from a2c_lessons.policy import load_policy
from a2c_lessons.trainer import evaluate_policy

HAVE_TRL = trl_bridge.trl_available()
if not HAVE_TRL:
    print(f"Skipping the TRL section. {trl_bridge.TRL_MISSING}. Nothing else in this lesson needs it.")
STEPS, EVERY, LR = 50, 5, 1e-3


def judge(policy, ref_model, step: int, n: int = 256) -> dict:
    """Fraction positive of n fresh reviews at T = 1 and their mean KL(pi || pi_ref) per review (k1)."""
    result = evaluate_policy(policy, ref_model, n, seed=1000 + step, batch_size=n)
    return {"step": step, "positive": result["positive"], "kl": result["kl"]}


# %% [markdown]
# First our A2C, for 50 steps, judged every 5 steps.

# %%
trl_curves = {}
if HAVE_TRL:
    from a2c_lessons.trainer import A2CConfig, A2CTrainer

    a2c = A2CTrainer(A2CConfig(seed=0, lr=LR, kl_coef=0.05, stop_positive=None))
    trl_curves["A2C (ours)"] = [judge(a2c.policy, a2c.ref_model, 0)]

    def judge_a2c(trainer, row):
        if trainer.step_count % EVERY == 0:
            trl_curves["A2C (ours)"].append(judge(trainer.policy, trainer.ref_model, trainer.step_count))

    a2c.train(STEPS, progress=False, callback=judge_a2c)

# %% [markdown]
# Now TRL's `GRPOTrainer` on a fresh copy of the same tiny LM. `TRLSettings` holds what we set;
# `trl_overrides` lists every TRL option that differs from TRL's defaults, and why (TRL's defaults
# are made for billion-parameter models on GPUs: learning rate 1e-6, bf16, no KL term at all).

# %%
if HAVE_TRL:
    from transformers import PrinterCallback, TrainerCallback

    trl_policy = load_policy()
    trl_ref = copy.deepcopy(trl_policy.model).eval()  # pi_ref: the starting weights
    settings = trl_bridge.TRLSettings(method="grpo", lr=LR, beta=0.05, group_size=8, max_steps=STEPS)
    print({k: v for k, v in trl_bridge.trl_overrides(settings).items() if k not in ("seed", "max_steps")})
    trl_curves["GRPO (TRL)"] = [judge(trl_policy, trl_ref, 0)]

    class Judge(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            if state.global_step % EVERY == 0:
                trl_curves["GRPO (TRL)"].append(judge(trl_policy, trl_ref, state.global_step))

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=FutureWarning)  # transformers 5 renames TRL 1.16 still uses
        grpo = trl_bridge.make_trl_trainer(settings, trl_policy, callbacks=[Judge()])
        grpo.remove_callback(PrinterCallback)  # no log dump at the end
        grpo.train()

# %% [markdown]
# In the plot, look at whether the two "positive" curves climb at the same pace, and at which
# method pays more KL to the starting model for the same gain.

# %%
if HAVE_TRL:
    from a2c_lessons.viz import plot_runs

    plot_runs(trl_curves, ["positive", "kl"], ncols=2)
    for name, rows in trl_curves.items():
        print(f"{name}: {rows[-1]['positive']:.0%} positive, KL {rows[-1]['kl']:.2f} after {rows[-1]['step']} steps")

# %% [markdown]
# **What the numbers say.** Measured side by side (`python benchmarks/rl_vs_trl.py --full`: three
# seeds, evaluation time excluded, 2-core CPU), A2C and GRPO need the same number of steps to reach
# 90% positive: about 100 at learning rate 3e-4 and about 50 at 1e-3. Our steps take about 0.8x the
# time of GRPO's on that CPU, and at 3e-4 GRPO arrives about twice as far from the starting model
# (KL about 3.0 nats per review against our 1.3; at 1e-3 the two are close, 2.0 against 1.7). Two
# differences can explain that: GRPO divides each group's advantages by the group's std, so a group
# whose rewards barely differ still gets a full-size push, and its KL penalty is a k3 term in the
# loss rather than a cost in the reward. RLOO, which like us subtracts the KL from the reward and
# does not divide by a std, ends
# as close to the start as our A2C does.
#
# One thing we had to fix to make the comparison fair: TRL 1.16 scores completions with a forward
# pass that passes no position ids, so on a left-padded batch GPT-2 numbers positions from the first
# pad, while `generate` numbered them from the first real token. Models with rotary positions (most
# of today's) do not care; GPT-2's learned absolute positions do, and the log-probs TRL trains on
# differed from the ones it sampled by up to 9 nats. `trl_bridge.fix_position_ids` counts positions
# over real tokens, as our `sampling.position_ids` does (DESIGN.md, "details RL code gets wrong").
