"""An honest student's scratch file named like the course library."""

VALUE = 1
