"""The page's own words, from the message catalogue `web.po` of each language (docs/translating.md).

Metric names, numbers, the comparison and the brief come from `language`
(the domain `servicecycle`); this domain holds only what the page itself says.

>>> say("id", "run")
'Jalankan'
>>> say("en", "progress", done=3, total=12)
'3 of 12 runs done'
>>> NAMES["id"]
'Bahasa Indonesia'
"""

from __future__ import annotations

from typing import Any

from simulator.report.language import LANGUAGES, messages

DOMAIN = "web"
"""The page's words: `simulator/report/locale/<language>/LC_MESSAGES/web.po`."""


def say(lang: str, key: str, **values: Any) -> str:
    """The page's text `key` in language `lang`, with `values` filled in."""
    return messages(lang, DOMAIN)[key].format(**values)


NAMES = {code: say(code, "language_name") for code in LANGUAGES}
"""Every language by its own name, as the page offers it."""
