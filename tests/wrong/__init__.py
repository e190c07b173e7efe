"""Known-wrong implementations: each has one bug seen in real RL-for-LM code, and a test must catch it.

Each file holds one bug and mirrors the signature of the library function it
imitates, so a test can be parametrised over [library_fn, wrong_fn]:

| wrong version | imitates | the bug |
| --- | --- | --- |
| `flipped_sign_a2c_loss` | `losses.a2c_loss` | L = +E[U]: lowers the probability of good tokens |
| `unmasked_a2c_loss` | `losses.a2c_loss` | sums log pi * A over pad tokens too |
| `no_baseline_advantages` | `advantages.mc_advantages` | A = G, ignoring V |
| `off_by_one_returns` | `advantages.discounted_returns` | G_t = sum_{k>t}: the return leaves out r_t |
| `undetached_token_utility` | `losses.token_utility` | gradient flows into the advantage |
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
