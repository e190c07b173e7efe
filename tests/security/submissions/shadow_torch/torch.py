"""Attack: a torch.py whose tensors compare equal to anything."""
raise SystemExit("torch replaced")
