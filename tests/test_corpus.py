"""The review grammar: deterministic, labels right on hand-written cases, parser and generator agree."""

import random

import pytest

from a2c_lessons import corpus


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("the food was good .", 1),
        ("the food was not good .", -1),
        ("the service is very rude .", -1),
        ("the service is not very rude .", 1),
        ("the plot was boring but the acting was great .", 1),  # "but": the last clause decides
        ("the plot was great but the acting was boring .", -1),
        ("honestly , i loved the pizza .", 1),
        ("i did not like the room .", -1),
        ("i did not hate the room .", 1),
        ("to be fair , the coffee was awful but i did not dislike the view .", 1),
        ("i think the menu felt extremely bland .", -1),
    ],
)
def test_sentiment_of_hand_written_reviews(text, label):
    assert corpus.sentiment(text) == label


@pytest.mark.parametrize(
    "text",
    [
        "",
        "the food was good",
        "the food was good . .",
        "food was good .",
        "the food was very very good .",
        "the food was good but the staff was rude but the room was clean .",
        "i loved .",
        "the good was food .",
        "the food was not not good .",
        "i did not loved the food .",
        "<unk> the food was good .",
    ],
)
def test_text_outside_the_grammar_has_no_sentiment(text):
    assert corpus.sentiment(text) is None


def test_generator_is_deterministic_per_seed():
    assert corpus.sample_reviews(200, seed=7) == corpus.sample_reviews(200, seed=7)
    assert corpus.sample_reviews(200, seed=7) != corpus.sample_reviews(200, seed=8)


def test_parser_agrees_with_generator_labels_and_half_are_positive():
    reviews = corpus.sample_reviews(5000, seed=3)
    assert all(corpus.sentiment(r.text) == r.sentiment for r in reviews)
    positive = sum(r.sentiment > 0 for r in reviews) / len(reviews)
    assert 0.45 < positive < 0.55


def test_generator_log_probability_sums_to_one_over_small_grammar():
    # the choices' log-probs are a proper distribution: the mean of 1/p over samples
    # (an importance estimate of the number of distinct reviews) is finite and each p < 1
    reviews = corpus.sample_reviews(1000, seed=0)
    assert all(r.logp < 0 for r in reviews)
    # the same review drawn twice carries the same log-probability (one derivation per review)
    seen = {}
    for r in corpus.sample_reviews(20000, seed=1):
        assert seen.setdefault(r.text, r.logp) == pytest.approx(r.logp)


def test_every_word_of_every_review_is_in_the_vocabulary():
    vocab = set(corpus.vocabulary())
    rng = random.Random(0)
    assert all(set(corpus.sample_review(rng).words) <= vocab for _ in range(2000))


def test_prompts_are_prefixes_the_grammar_can_complete():
    reviews = [r.text for r in corpus.sample_reviews(20000, seed=5)]
    for prompt in corpus.PROMPTS:
        assert any(r.startswith(prompt) for r in reviews), prompt
