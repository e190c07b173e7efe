import os
os.environ["A2C_HOOKED"] = "1"
