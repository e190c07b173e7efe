"""Known wrong: one false reason chosen (d), one true reason missed (e)."""


def reasons():
    return {"a", "c", "d"}
