"""From an office's own log to a scenario (issue 17): read, clean, fit, and write it with its evidence.

read_tickets (a CSV ticket log) or read_event_log (XES or a CSV event log) ->
clean (defects counted) -> fit_office -> scenario_text; measures gives the
observed waits, queues and served counts a fitted scenario is checked against.
"""

from simulator.fitting.cleaning import CleanLog, clean
from simulator.fitting.office import FittedOffice, fit_office
from simulator.fitting.problems import Defects, LogError
from simulator.fitting.tickets import parse_mapping, read_tickets
from simulator.fitting.writer import scenario_text

__all__ = [
    "CleanLog",
    "Defects",
    "FittedOffice",
    "LogError",
    "clean",
    "fit_office",
    "parse_mapping",
    "read_tickets",
    "scenario_text",
]
