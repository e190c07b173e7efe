"""An honest student's scratch file that happens to share a name with the standard library."""

seed = 4
