"""The messages Ramp's Python runtime raises itself, by code, as Python
format strings. Generated from Sources/Ramp/Diagnostics/RuntimeMessages.swift
(a test keeps it equal); a compiled module carries the same table.
"""

_MESSAGES = {"R0508": "error[R0508]: at base {base}, the {what} is {why} {step}",
             "R0509": "error[R0509]: {why}",
             "R0801.another": "error[R0801]: the saved state does not belong to this program",
             "R0801.fingerprint": "error[R0801]: the saved state belongs to another program (fingerprint {other}; this one's is {this}); load it with replay=True to rebuild it under this program from its log",
             "R0801.noLog": "error[R0801]: the saved state has no log of the metrics and signals it was fed, so it cannot be replayed into another program",
             "R0801.logSignal": "error[R0801]: the saved state's log raises the signal '{name}' at step {step}, which this program does not wait for ({why})",
             "R0802.step": "error[R0802]: the saved state's step is {value}; a step is a whole number from 0 to {max}",
             "R0802.phase": "error[R0802]: the saved state's {field} is {value}, but the sequence has {count} phases (0 to {last})",
             "R0802.transitionCount": "error[R0802]: the saved state's {field} lists {count} phase changes where {ended} phases have ended",
             "R0802.skipped": "error[R0802]: the saved state's {field} is {value} where phase {expected} ended next: a phase is skipped",
             "R0802.order": "error[R0802]: the saved state's {field} is {value}, but that phase began at step {begun} and lasts at least 1 step",
             "R0802.pastStep": "error[R0802]: the saved state's {field} is {value}, past the state's step {step}",
             "R0802.start": "error[R0802]: the saved state's {field} is {value}, but its phase began at step {expected}, where the one before ended",
             "R0802.pastPhaseEnd": "error[R0802]: the saved state's {field} is {value}, but phase {phase}, begun at step {start}, ends after {length} steps",
             "R0802.held": "error[R0802]: the saved state's {field} is {value}, but the last phase ended at its step {expected}",
             "R0802.heldTooEarly": "error[R0802]: the saved state's {field} is set, but phase {phase} is not the last of {count}",
             "R0802.entryMissing": "error[R0802]: the saved state's {field} is missing, but phase {phase} is built from the values fixed when it starts",
             "R0802.entryUnexpected": "error[R0802]: the saved state's {field} is set, but phase {phase} fixes no values when it starts",
             "R0802.entry": "error[R0802]: the saved state's {field} is {value}, but the values fixed then give {expected}",
             "R0802.entryValue": "error[R0802]: the saved state's {field} has no value for '{name}'",
             "R0802.notFinite": "error[R0802]: the saved state's {field} is {value}; it must be a finite number",
             "R0802.range": "error[R0802]: the saved state's {field} is {value}; it must be from {lo} to {hi}",
             "R0802.atLeast": "error[R0802]: the saved state's {field} is {value}; it must be at least {min}",
             "R0802.logDamaged": "error[R0802]: the saved state's log is damaged: its metric steps do not match its metrics",
             "R0802.logPastStep": "error[R0802]: the saved state's {field} is at step {at}, but the state is at step {step}: its log holds only the steps before it",
             "R0802.signalOrder": "error[R0802]: the saved state's {field} is {value}, before the signal logged ahead of it (step {previous})",
             "R0802.unknownSignal": "error[R0802]: the saved state's {field} is '{name}', which this program does not wait for ({why})",
             "R0803.replayLimit": "error[R0803]: replaying the saved state's log up to its step {step} would run more than {limit} steps one at a time, the most a replay runs"}
