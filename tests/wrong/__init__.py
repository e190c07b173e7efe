"""Known-wrong implementations: each file holds one bug seen in real RL-for-LM code, and a test must catch it.

Each file is shaped like the student exercise it fails (its `EXERCISE`), so the
grader tests hand it in as that exercise; where a library test needs the same bug
with the library's signature, the file names that version too. The files import
only torch: inside the grader's sandbox nothing else of this repository exists.

| file | fails | the bug | library-shaped name |
| --- | --- | --- | --- |
| `flipped_sign.py` | ex12 | L = +E[U]: lowers the probability of good tokens | `flipped_sign_a2c_loss` |
| `unmasked.py` | ex12 | sums log pi * A over pad tokens too | `unmasked_a2c_loss` |
| `unmasked_utility.py` | ex11 | U summed over pad tokens too | |
| `undetached.py` | ex11 | gradient flows into the advantage | `undetached_token_utility` |
| `off_by_one.py` | ex13 | G_t = sum_{k>t}: the return leaves out r_t | `off_by_one_returns` |
| `gamma_ignored.py` | ex13 | no discount | |
| `no_baseline.py` | ex14 | A = G, ignoring V | `no_baseline_advantages` |
| `lambda_ignored.py` | ex14 | A = G - V for every lambda | |
| `no_half.py` | ex15 | critic loss without 0.5 | |
| `undetached_returns.py` | ex15 | gradient flows into the critic's targets | |
| `times_temperature.py` | ex16 | logits * T instead of / T, and a greedy draw | |
| `flipped_direction.py` | ex17 | probability directions flipped | |
| `per_response_direction.py` | ex17 | one direction per response: a wrong shape | |
| `larger_advantage.py` | ex04 | picks the larger advantage, not the larger term | |
| `negative_more_likely.py` | ex05 | "A < 0 makes the token more likely" | |
| `advantage_before_reward.py` | ex02 | the advantage before the reward it needs | |
| `false_reason.py` | ex10 | a false reason for PPO, a true one missed | |
| `kl_bonus.py` | ex18 | the KL term added to the reward: a bonus, not a penalty | |
| `ppo_max.py` | ex19 | PPO's surrogate with max instead of min | |
| `rloo_with_self.py` | ex20 | RLOO's baseline includes the response itself | |
| `bt_flipped.py` | ex21 | the Bradley-Terry difference the wrong way round | |
| `longer_is_better.py` | ex22 | over-optimisation blamed on the learning rate; more steps taken for a remedy | |
| `ignores_context.py` | ex24 | the other prompt predicted to move as the update's own prompt does | |
| `ignores_advantage_sign.py` | ex24 | the change at the other prompt with abs(A): every update pushes its token up | |
"""

from tests.wrong.flipped_sign import flipped_sign_a2c_loss
from tests.wrong.no_baseline import no_baseline_advantages
from tests.wrong.off_by_one import off_by_one_returns
from tests.wrong.undetached import undetached_token_utility
from tests.wrong.unmasked import unmasked_a2c_loss

__all__ = [
    "flipped_sign_a2c_loss",
    "no_baseline_advantages",
    "off_by_one_returns",
    "undetached_token_utility",
    "unmasked_a2c_loss",
]
