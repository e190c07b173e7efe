"""Misbehaving: crashes the interpreter when called (the other exercises are honest)."""
import ctypes


def tempered_logprobs(logits, *, temperature):
    return ctypes.string_at(0)


def inverse_cdf_draw(logprobs, uniforms):
    return ctypes.string_at(0)


def sample_step(logits, uniforms, *, temperature):
    return ctypes.string_at(0)
