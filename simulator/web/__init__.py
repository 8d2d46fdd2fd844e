"""The what-if page: `run_sim.py serve`, a Streamlit page over the same library functions as the command line.

`whatif` turns the page's controls into a scenario (through `scenario.changed`,
as `sweep` does), `visitors` gives every visitor a folder of their own,
`jobs` runs an experiment off the page's thread with progress and cancel,
`paired` compares two runs on the same citizens, `words` reads the page's
texts from the catalogue `web.po` of each language, `page` is the Streamlit script and
`serve` starts it.
"""
