"""The messages Ramp's Python runtime raises itself, by code, as Python
format strings. Generated from Sources/Ramp/Diagnostics/RuntimeMessages.swift
(a test keeps it equal); a compiled module carries the same table.
"""

_MESSAGES = {"R0508": "error[R0508]: at base {base}, the {what} is {why} {step}", "R0509": "error[R0509]: {why}"}
