"""Answer keys of the concept questions, with feedback for each likely wrong answer (instructor only).

`a2c-lessons release` compiles this file into exercises/answer_keys.json: salted
hashes of the accepted answers, and each message below sealed under the wrong
answer it explains, so a student sees a message only by giving that answer.
Change SALT for each offering of the course. Question ids are "exNN.part";
answers are in the canonical form the tests build (see `grading.judge`).
Messages teach the idea behind the mistake; they never state the key.
"""

SALT = "a2c-lessons/2025/a"

_ROLES = {
    "ex06.actor": {
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
    "ex06.critic": {
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
    "ex19.order": {"accept": ["d,f,a,c,e,b", "d,f,c,a,e,b"], "feedback": {}},
    # accepted "X<Y": X comes before Y; the feedback under "Y<X" is for a student who put Y first
    "ex19.before": {
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
    "ex07.update": {
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
    "ex03.effect": {
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
    "ex15.effect": {
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
    "ex15.kl": {
        "accept": ["bonus"],
        "feedback": {
            "penalty": "The KL term sits inside the reward, and the sign bug makes the model seek low reward. "
            "What does seeking low reward do to a term that subtracts beta * KL from the reward?",
        },
    },
}

_TOKENS = {
    "ex02.token": {
        "accept": ["effective"],
        "feedback": {
            "innovative": "'innovative' has the larger advantage, but a term of U is the product of the log-prob "
            "and the advantage, and its log-prob is much more negative. Compare the products; the larger value "
            "is the one closer to zero.",
        },
    },
    "ex02.term.innovative": {
        "accept": ["-12.00"],
        "feedback": {
            "12.00": "A log-probability is never positive, so with a positive advantage the term cannot be positive.",
            "1.00": "A term of U is the product log pi * A, not the sum.",
            "-0.75": "A term of U is the product log pi * A, not the ratio.",
        },
    },
    "ex02.term.effective": {
        "accept": ["-2.40"],
        "feedback": {
            "2.40": "A log-probability is never positive, so with a positive advantage the term cannot be positive.",
            "0.80": "A term of U is the product log pi * A, not the sum.",
            "-0.60": "A term of U is the product log pi * A, not the ratio.",
        },
    },
    "ex02.pushed": {
        "accept": ["innovative"],
        "feedback": {
            "effective": "'effective' has the larger *term*, but training follows the gradient, and "
            "d(log pi * A) / d log pi is the advantage alone. Compare the two advantages.",
        },
    },
    "ex11.seed": {
        "accept": ["False"],
        "feedback": {
            "True": "A negative advantage means the token turned out worse than the critic expected. Minimising "
            "L = -E[U] makes U larger, and with A < 0 the term log pi * A grows when log pi moves one way only: "
            "which way?",
        },
    },
}

_PARTS = {
    "ex14.minus": {"accept": ["d"], "feedback": {
        "c": "The expectation, not the sign, is the average over prompts. Optimisers minimise; what does a minus "
        "sign do to 'maximise the utility'?",
    }},
    "ex14.E_x": {"accept": ["c"], "feedback": {
        "f": "Close, but the prompts are not produced by the model: they come from the data set D.",
    }},
    "ex14.y_sample": {"accept": ["f"], "feedback": {
        "c": "The prompts come from D, but y is drawn from pi_theta itself: whose samples are being averaged?",
    }},
    "ex14.sum_t": {"accept": ["b"], "feedback": {
        "c": "The sum runs over the tokens t of one response, not over prompts.",
    }},
    "ex14.log_pi": {"accept": ["e"], "feedback": {
        "a": "log pi is what the model controls. 'How much better than expected' is a weight computed from "
        "the reward and the critic.",
    }},
    "ex14.A": {"accept": ["a"], "feedback": {
        "e": "No gradient flows through the advantage: it is a fixed weight, computed from the return and the "
        "critic's baseline.",
    }},
}  # fmt: skip

_RUNS = {
    "ex21.run1": {"accept": ["c"], "feedback": {
        "a": "The reward here is the ordinary one, in [-1, 1], so its scale is what the working run has. What makes "
        "one update move the policy so far that the KL jumps by tens of nats at once?",
        "b": "Nothing here grows step after step: the run was fine, then broke in a single step. What sets how far "
        "one step moves the policy?",
        "d": "Without a baseline the advantages stay positive and progress is slow and noisy, but the policy stays "
        "in the language. This one left it in one step: what sets the size of a step?",
        "e": "Without a KL penalty a policy drifts away over many steps while staying grammatical (lesson 7's "
        "'no KL' run). This one jumped in a single step: what sets how far one step goes?",
        "f": "A run that stops writing grammatical reviews for good is broken. What made one step so large?",
    }},
    "ex21.run2": {"accept": ["c"], "feedback": {
        "a": "The reward is the ordinary one in [-1, 1]. A policy that collapses onto one token within three steps "
        "took steps that were far too large: what sets their size?",
        "b": "A diverging critic grows |A| step after step; this run collapsed in three steps from the start. What "
        "sets how far each step moves the policy?",
        "d": "Without a baseline every review is pushed up a little, slowly; it does not collapse the entropy in "
        "three steps. What makes each step huge?",
        "e": "Without a KL penalty a policy drifts over tens of steps (lesson 7's 'no KL' run stays grammatical "
        "for 40). This one collapsed in three: what sets how far one step goes?",
        "f": "An entropy near 0, the same few tokens in a loop for every prompt, is an entropy collapse: something "
        "is wrong. What makes one step so large?",
    }},
    "ex21.run3": {"accept": ["e"], "feedback": {
        "a": "Nothing here is large from the first step: the run learns as fast as the working one. What keeps a "
        "policy close to the reference, and which run would drift twice as far?",
        "b": "A diverging critic shows |A| and the critic's loss growing together; here only the distance to the "
        "reference grows. What normally holds the policy near the reference?",
        "c": "A learning rate that is too high breaks a run within a few steps; this one learns as fast as the "
        "working run and stays grammatical. What normally limits how far it drifts?",
        "d": "Without a baseline the run would lag far behind; this one reaches the goal as fast as the working "
        "run. What is different about how far it moved from the reference?",
        "f": "Twice the KL and a lower entropy mean the run moved far from the reference with nothing to hold it "
        "back: which term of the reward normally does?",
    }},
    "ex21.run4": {"accept": ["d"], "feedback": {
        "a": "Rewards of 0, 1 or 2 are not large; the trouble is that they are all >= 0. What is normally "
        "subtracted from the return so that about half the advantages are negative?",
        "b": "A diverging critic makes |A| grow step after step; here the mean advantage stays flat near +1.5. "
        "Which term, missing, would bring it to about 0?",
        "c": "A learning rate that is too high makes a run jump and collapse; this one creeps up slowly with every "
        "advantage positive. What is normally subtracted from the return?",
        "e": "The KL penalty keeps the policy near the reference; it does not make every advantage positive. What "
        "is normally subtracted from the return?",
        "f": "A mean advantage that stays near +1.5 for 40 steps and a run that lags far behind are not fine. "
        "Compare run6, whose advantages fall to about 0: what does run6 have that this run lacks?",
    }},
    "ex21.run5": {"accept": ["a"], "feedback": {
        "b": "Nothing here grows over time: the advantages and the critic's loss are huge from the first step. "
        "What is 100 times larger than usual?",
        "c": "The learning rate was not changed, and the run still learns: under Adam each step is about lr per "
        "coordinate whatever the gradient's scale (the clip only rescales what Adam sees). What makes the advantages "
        "and the critic's loss huge from the very first step?",
        "d": "A missing baseline keeps the advantages positive, not huge; this run's critic loss is in the "
        "thousands from step 1. Look at the rewards.",
        "e": "The KL penalty is a small per-token cost; it cannot make advantages of 40 at the first step. Look at "
        "the rewards.",
        "f": "A critic loss of 2,500 and gradients clipped at every step mean the run fights its own scale. What "
        "would you divide by 100?",
    }},
    "ex21.run6": {"accept": ["f"], "feedback": {
        "a": "Rewards of 0, 1 or 2 are not large, and the run climbs like the working one. What did the critic do "
        "with the shift of +1?",
        "b": "A diverging critic makes |A| grow; here the mean advantage falls to about 0 as the critic learns "
        "the shifted rewards. Is anything wrong?",
        "c": "A learning rate that is too high breaks a run; this one climbs like the working run. Is anything wrong?",
        "d": "This run has the critic's baseline: that is why its advantages fall to about 0. Compare run4, which "
        "has the same rewards without it.",
        "e": "Nothing here says the policy drifts from the reference; it climbs like the working run. What did the "
        "critic learn while the advantages fell to about 0?",
    }},
}  # fmt: skip

_INTERVAL = {
    "ex20.claim": {"accept": ["c"], "feedback": {
        "a": "The batch was a sample from the policy, and samples scatter around the policy's true fraction. How "
        "often does a policy that is truly 85% positive show 58 or more positives in 64 reviews, and how many "
        "batches does a run draw?",
        "b": "A rising trend says the policy improved, not by how much. The stopping rule still picks the first "
        "batch that happens to land above 90%: what does the policy's true fraction have to be for that?",
        "d": "64 reviews do say something: their 95% interval is several points wide, not empty. The trouble is the "
        "rule that picks the first batch above 90% out of many.",
        "e": "The KL measures how far the policy moved from the reference, not how positive it is. The question is "
        "how much one batch of 64 says about the policy's fraction positive.",
    }},
}  # fmt: skip

# "X:true" marks a true option; feedback "X:in" explains a false option chosen, "X:out" a true one missed
_REASONS = {
    "ex22.option": {
        "accept": ["a:true", "c:true"],
        "feedback": {
            "a:out": "Think about what the clip in PPO's objective does to the second, third, ... step on one batch, "
            "once the probability ratio has moved away from 1.",
            "b:in": "PPO still maximises a reward; it changes how far the steps on one batch may go, not what is "
            "maximised.",
            "c:out": "Sampling from an LM is the expensive part of RLHF. How many gradient steps does A2C take per "
            "batch of samples, and how many can PPO take?",
            "d:in": "RLHF with PPO still uses a KL penalty to a reference model (InstructGPT does): the clip ties each "
            "update to pi_old, the policy that sampled the batch; the KL ties the whole run to pi_ref, the start. "
            "Two different leashes.",
            "e:in": "At rho = 1 PPO's gradient is A2C's (lesson 8, check 8.3): the first step on each batch is the "
            "A2C step, just as large. The clip acts only once repeated steps on one batch have moved rho away "
            "from 1, so it does not cure a learning rate that is too high.",
            "f:in": "Subtracting a baseline adds no bias, and PPO's surrogate uses the same advantages: at rho = 1 its "
            "gradient is A2C's, and away from 1 it is a surrogate, not the exact gradient of the expected reward.",
        },
    },
}

_OVEROPTIMISATION = {
    "ex26.cause": {
        "accept": ["a"],
        "feedback": {
            "b": "A small learning rate would slow everything down, the learned reward too; here it kept rising.",
            "c": "A wrong baseline adds variance, not a direction: the learned reward would not rise so steadily.",
            "d": "The reward model is frozen while A2C trains: it scores the late samples with the same weights.",
            "e": "A2C's gradient is unbiased; it did maximise the learned reward. What did that reward get wrong?",
        },
    },
    "ex26.remedy": {
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

_ESTIMATES = {
    "ex18.k1_reward": {
        "accept": ["a"],
        "feedback": {
            "b": "Subtracted from the reward, k1 is a fixed weight on log pi: E[k1 grad log pi] = sum_y grad pi(y) "
            "(log pi(y) - log pi_ref(y)). Which KL has that gradient?",
            "c": "In the reward k1 is not differentiated, it weighs grad log pi; k1 changes from token to token, so "
            "its weighted sum does not vanish.",
        },
    },
    "ex18.k1_loss": {
        "accept": ["c"],
        "feedback": {
            "a": "k1's value estimates KL(pi || pi_ref), but differentiate it: grad k1 = grad log pi(y), and "
            "E_pi[grad log pi] = grad sum_y pi(y) = grad 1.",
            "b": "Differentiate k1 itself: grad k1 = grad log pi(y). What is its expectation over y ~ pi?",
        },
    },
    "ex18.k3_loss": {
        "accept": ["b"],
        "feedback": {
            "a": "k3's *value* estimates KL(pi || pi_ref), but its gradient is another matter: grad k3 = (1 - rho) "
            "grad log pi(y). Take its expectation over y ~ pi: the rho term brings in pi_ref(y).",
            "c": "Only the 1 of (1 - rho) vanishes in expectation; the rho term gives -sum_y pi_ref(y) grad log pi(y).",
        },
    },
    "ex10.lesson": {
        "accept": ["1"],
        "feedback": {
            "0": "lambda = 0 had the least *variance* (none: its target V(s_t+1) is fixed once the token is "
            "written), and so its target is the critic's own estimate, with the critic's errors in it.",
            "0.5": "Read the bias column: it falls all the way to the largest lambda.",
            "0.9": "Read the bias column: it falls all the way to the largest lambda.",
            "0.95": "The default trades a little bias for less variance; it does not have the least bias.",
        },
    },
}

KEYS = {
    **_ROLES,
    **_ORDER,
    **_SINGLE_LETTER,
    **_TOKENS,
    **_PARTS,
    **_RUNS,
    **_REASONS,
    **_INTERVAL,
    **_OVEROPTIMISATION,
    **_ESTIMATES,
}
