"""Answer keys of the concept questions, with feedback for each likely wrong answer (instructor only).

`a2c-lessons release` compiles this file into exercises/answer_keys.json: salted
hashes of the accepted answers, and each message below sealed under the wrong
answer it explains, so a student sees a message only by giving that answer.
Change SALT for each offering of the course. Question ids are "exNN.part";
answers are in the canonical form the tests build (see `grading.answers`).
Messages teach the idea behind the mistake; they never state the key.
"""

SALT = "a2c-lessons/2025/a"

_ROLES = {
    "ex01.actor": {
        "accept": ["d"],
        "feedback": {
            "a": "That is the reward model: it judges a finished response. The actor is the network whose "
            "choices are being judged, the one whose log pi appears in U.",
            "b": "That network predicts how much reward to expect; it never chooses a token. The actor is the one "
            "whose log pi appears in U.",
            "c": "A frozen copy never changes; the actor is the model that A2C trains.",
            "e": "No network in A2C draws extra samples to make an advantage. Look for the network whose "
            "log pi appears in U.",
        },
    },
    "ex01.critic": {
        "accept": ["b"],
        "feedback": {
            "a": "That is the reward model, which scores a finished response. The critic makes a prediction "
            "before the outcome is known, and that prediction is subtracted to form the advantage.",
            "c": "The frozen reference model only feeds the KL penalty. The critic is trained at every step.",
            "d": "That is the actor, the LM itself. The critic does not choose tokens.",
            "e": "No network in A2C samples extra responses. The advantage is the return minus a prediction: "
            "which network makes that prediction?",
        },
    },
}

_ORDER = {
    "ex02.order": {"accept": ["d,f,a,c,e,b", "d,f,c,a,e,b"], "feedback": {}},
    # accepted "X<Y": X comes before Y; the feedback under "Y<X" is for a student who put Y first
    "ex02.before": {
        "accept": ["d<f", "f<a", "f<c", "a<e", "c<e", "e<b"],
        "feedback": {
            "f<d": "The response is written in reply to a prompt: nothing can be sampled before there is a prompt.",
            "a<f": "The reward model judges a finished response, so the response has to exist first.",
            "c<f": "The critic's V(x, y_<t) is a prediction at each token of the response, so the response has "
            "to be sampled first.",
            "e<a": "The advantage compares the return, which is built from the reward, with the baseline: "
            "it needs the reward first.",
            "e<c": "The advantage is the return minus the critic's baseline: it needs the baseline first.",
            "b<e": "The actor's update weighs each log pi by its advantage, so the advantage must be known "
            "before any gradient step.",
        },
    },
}

_SINGLE_LETTER = {
    "ex03.update": {
        "accept": ["c"],
        "feedback": {
            "a": "A policy-gradient step moves the parameters whenever A is not zero. 'Better than expected' is "
            "information too: which way does a positive A push log pi?",
            "b": "Minimising L = -E[U] makes U larger. With A > 0, does U grow when log pi of those tokens goes "
            "up or down?",
            "d": "The actor's term log pi * A is non-zero for a positive A just as for a negative one: "
            "both signs move the LM.",
            "e": "The reward is a number the reward model hands back; in A2C no gradient flows through the "
            "reward model into the LM. The LM changes through log pi only.",
        },
    },
    "ex06.effect": {
        "accept": ["b"],
        "feedback": {
            "a": "That would be plain imitation, every log pi weighted the same. In U each log pi is weighted by "
            "its advantage, and the sign of that weight matters.",
            "c": "U weighs each token by its advantage; length as such is neither rewarded nor punished. Which way "
            "does the gradient push a token whose advantage is positive?",
            "d": "There is no data set of target responses in L: the responses are the model's own samples, "
            "each weighted by its advantage.",
            "e": "The critic follows the reward, not the other way round; the actor's loss is about the reward itself.",
        },
    },
    "ex08.effect": {
        "accept": ["c"],
        "feedback": {
            "a": "A sign flips the direction of every step, not its size. Follow one token with A > 0: does "
            "minimising +E[U] raise its log pi or lower it?",
            "b": "Nothing cancels: each token's gradient is its own log pi gradient times its own advantage. "
            "Flip the sign and follow a token with A > 0.",
            "d": "The numbers stay finite; a flipped sign is a quiet bug, and that is what makes it dangerous. "
            "Follow a token with A > 0.",
            "e": "The actor's loss is exactly where the sign sits: L = -E[U] versus +E[U].",
        },
    },
    "ex08.kl": {
        "accept": ["bonus"],
        "feedback": {
            "penalty": "The KL term sits inside the reward, and the sign bug makes the model seek low reward. "
            "What does seeking low reward do to a term that subtracts beta * KL from the reward?",
        },
    },
}

_TOKENS = {
    "ex04.token": {
        "accept": ["effective"],
        "feedback": {
            "innovative": "'innovative' has the larger advantage, but a term of U is the product of the log-prob "
            "and the advantage, and its log-prob is much more negative. Compare the products; the larger value "
            "is the one closer to zero.",
        },
    },
    "ex04.term.innovative": {
        "accept": ["-12.00"],
        "feedback": {
            "12.00": "A log-probability is never positive, so with a positive advantage the term cannot be positive.",
            "1.00": "A term of U is the product log pi * A, not the sum.",
            "-0.75": "A term of U is the product log pi * A, not the ratio.",
        },
    },
    "ex04.term.effective": {
        "accept": ["-2.40"],
        "feedback": {
            "2.40": "A log-probability is never positive, so with a positive advantage the term cannot be positive.",
            "0.80": "A term of U is the product log pi * A, not the sum.",
            "-0.60": "A term of U is the product log pi * A, not the ratio.",
        },
    },
    "ex05.seed": {
        "accept": ["False"],
        "feedback": {
            "True": "A negative advantage means the token turned out worse than the critic expected. Minimising "
            "L = -E[U] makes U larger, and with A < 0 the term log pi * A grows when log pi moves one way only: "
            "which way?",
        },
    },
}

_PARTS = {
    "ex07.minus": {"accept": ["d"], "feedback": {
        "c": "The expectation, not the sign, is the average over prompts. Optimisers minimise; what does a minus "
        "sign do to 'maximise the utility'?",
    }},
    "ex07.E_x": {"accept": ["c"], "feedback": {
        "f": "Close, but the prompts are not produced by the model: they come from the data set D.",
    }},
    "ex07.y_sample": {"accept": ["f"], "feedback": {
        "c": "The prompts come from D, but y is drawn from pi_theta itself: whose samples are being averaged?",
    }},
    "ex07.sum_t": {"accept": ["b"], "feedback": {
        "c": "The sum runs over the tokens t of one response, not over prompts.",
    }},
    "ex07.log_pi": {"accept": ["e"], "feedback": {
        "a": "log pi is what the model controls. 'How much better than expected' is a weight computed from "
        "the reward and the critic.",
    }},
    "ex07.A": {"accept": ["a"], "feedback": {
        "e": "No gradient flows through the advantage: it is a fixed weight, computed from the return and the "
        "critic's baseline.",
    }},
}  # fmt: skip

_RUNS = {
    "ex09.run1": {"accept": ["c"], "feedback": {
        "a": "The reward here is already in [0, 1]. What did the fix change?",
        "b": "The critic's loss falls steadily here, so the critic is not diverging. What did the fix change?",
    }},
    "ex09.run2": {"accept": ["d"], "feedback": {
        "c": "A learning rate that is too high makes a run jump and collapse; here every advantage is positive "
        "instead. What is normally subtracted from the return so that about half the advantages are negative?",
        "a": "The reward is in [0, 1] here. Why would disliked reviews still get a positive advantage?",
    }},
    "ex09.run3": {"accept": ["a"], "feedback": {
        "b": "Nothing here grows over time: the advantages are huge from the first step. What did the fix change?",
        "c": "The fix did not touch the learning rate. What did it change?",
    }},
    "ex09.run4": {"accept": ["b"], "feedback": {
        "a": "The reward stays in [0, 1] here, so its scale is fine. What else grows along with |A|?",
        "c": "Look at what grows together with |A| from step to step.",
    }},
}  # fmt: skip

# "X:true" marks a true option; feedback "X:in" explains a false option chosen, "X:out" a true one missed
_REASONS = {
    "ex10.option": {
        "accept": ["a:true", "c:true", "e:true"],
        "feedback": {
            "a:out": "Think about what the clip in PPO's objective does to an update that would move the "
            "probability ratio far from 1.",
            "b:in": "PPO still maximises a reward; it changes how far each update may go, not what is maximised.",
            "c:out": "Sampling from an LM is the expensive part of RLHF. How many gradient steps does A2C take per "
            "batch of samples, and how many can PPO take?",
            "d:in": "RLHF with PPO still uses a KL penalty to a reference model (InstructGPT does): clipping limits "
            "each step, the KL limits the drift over the whole run.",
            "e:out": "What happens in A2C if one step is too large? Does anything limit how far the policy moves "
            "in one update?",
            "f:in": "The A2C estimator is an unbiased estimate of the policy gradient (a baseline adds no bias); "
            "PPO's clipped objective is a surrogate, not an exact gradient.",
        },
    },
}

_OVEROPTIMISATION = {
    "ex22.cause": {
        "accept": ["a"],
        "feedback": {
            "b": "A small learning rate would slow everything down, the learned reward too; here it kept rising.",
            "c": "A wrong baseline adds variance, not a direction: the learned reward would not rise so steadily.",
            "d": "The reward model is frozen while A2C trains: it scores the late samples with the same weights.",
            "e": "A2C's gradient is unbiased; it did maximise the learned reward. What did that reward get wrong?",
        },
    },
    "ex22.remedy": {
        "accept": ["a:true", "b:true", "d:true"],
        "feedback": {
            "a:out": "What keeps the policy's text close to the text the reward model was trained on?",
            "b:out": "Where is a reward model wrong, and what would make it wrong in fewer places?",
            "c:in": "Training longer moves further along the curve: past the peak, the person's share only falls.",
            "d:out": "The person's own held-out labels measure the gold score the policy is after: what could you "
            "do when they stop improving?",
            "e:in": "A larger step reaches the exploitable texts sooner; it does not make them score lower.",
        },
    },
}

KEYS = {**_ROLES, **_ORDER, **_SINGLE_LETTER, **_TOKENS, **_PARTS, **_RUNS, **_REASONS, **_OVEROPTIMISATION}
