"""Known-wrong implementations: each file holds one bug seen in real RL-for-LM code, and a test must catch it.

Each file is shaped like the student exercise it fails (its `EXERCISE`), so the
grader tests hand it in as that exercise; where a library test needs the same bug
with the library's signature, the file names that version too. The files import
only torch: inside the grader's sandbox nothing else of this repository exists.

| file | fails | the bug | library-shaped name |
| --- | --- | --- | --- |
| `flipped_sign.py` | ex05 | L = +E[U]: lowers the probability of good tokens | `flipped_sign_a2c_loss` |
| `unmasked.py` | ex05 | sums log pi * A over pad tokens too | `unmasked_a2c_loss` |
| `unmasked_utility.py` | ex04 | U summed over pad tokens too | |
| `undetached.py` | ex04 | gradient flows into the advantage | `undetached_token_utility` |
| `off_by_one.py` | ex08 | G_t = sum_{k>t}: the return leaves out r_t | `off_by_one_returns` |
| `gamma_ignored.py` | ex08 | no discount | |
| `no_baseline.py` | ex09 | A = G, ignoring V | `no_baseline_advantages` |
| `lambda_ignored.py` | ex09 | A = G - V for every lambda | |
| `no_half.py` | ex16 | critic loss without 0.5 | |
| `undetached_returns.py` | ex16 | gradient flows into the critic's targets | |
| `times_temperature.py` | ex01 | logits * T instead of / T, and a greedy draw | |
| `flipped_direction.py` | ex12 | probability directions flipped | |
| `per_response_direction.py` | ex12 | one direction per response: a wrong shape | |
| `larger_advantage.py` | ex02 | picks the larger advantage, not the larger term | |
| `negative_more_likely.py` | ex11 | "A < 0 makes the token more likely" | |
| `advantage_before_reward.py` | ex19 | the advantage before the reward it needs | |
| `false_reason.py` | ex22 | two false reasons for PPO: no KL needed, the clip bounds the first step | |
| `kl_bonus.py` | ex17 | the KL term added to the reward: a bonus, not a penalty | |
| `ppo_max.py` | ex23 | PPO's surrogate with max instead of min | |
| `rloo_with_self.py` | ex24 | RLOO's baseline includes the response itself | `rloo_with_self` |
| `grpo_without_std.py` | ex24 | GRPO's advantages not divided by the group's std | `grpo_without_std` |
| `dr_grpo_length_normalised.py` | ex05 | Dr. GRPO divided by each length | `length_normalised_constant` |
| `ppo_clip_wrong_side.py` | ex23 | the clip on the wrong side | `clipped_token_utility_wrong_side` |
| `bt_flipped.py` | ex25 | the Bradley-Terry difference the wrong way round | |
| `longer_is_better.py` | ex26 | over-optimisation blamed on the learning rate; more steps taken for a remedy | |
| `runs_confused.py` | ex21 | run3 (no KL) blamed on the learning rate, run6 (a shift V absorbs) on no baseline | |
| `wald_interval.py` | ex20 | the Wald interval instead of Wilson's; a batch tail one too late | |
| `k3_forward.py` | ex18 | k3 in the loss taken to follow the forward KL, the direction its value estimates | |
| `signed_bias.py` | ex10 | the bias as a mean of signed errors, which cancel; lambda = 0 called the least biased | |
| `ignores_context.py` | ex13 | the other prompt predicted to move as the update's own prompt does | |
| `ignores_advantage_sign.py` | ex13 | the change at the other prompt with abs(A): every update pushes its token up | |
"""

from tests.wrong.dr_grpo_length_normalised import length_normalised_constant
from tests.wrong.flipped_sign import flipped_sign_a2c_loss
from tests.wrong.grpo_without_std import grpo_without_std
from tests.wrong.no_baseline import no_baseline_advantages
from tests.wrong.off_by_one import off_by_one_returns
from tests.wrong.ppo_clip_wrong_side import clipped_token_utility_wrong_side
from tests.wrong.rloo_with_self import rloo_with_self
from tests.wrong.undetached import undetached_token_utility
from tests.wrong.unmasked import unmasked_a2c_loss

__all__ = [
    "clipped_token_utility_wrong_side",
    "flipped_sign_a2c_loss",
    "grpo_without_std",
    "length_normalised_constant",
    "no_baseline_advantages",
    "off_by_one_returns",
    "rloo_with_self",
    "undetached_token_utility",
    "unmasked_a2c_loss",
]
