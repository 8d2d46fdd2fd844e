"""The report: words, figures and the brief a decision maker reads.

- `language`: the words, in English and Bahasa Indonesia.
- `comparison`: the comparison printed on the terminal.
- `plots`, `study_plots`, `optimise_plots`: figures.
- `timeline`: one representative citizen's journey, drawn.
- `brief`: the policy brief (HTML, PDF).
- `stress`: the STRESS-DES report of how the simulation was run.
- `optimise_text`: the optimiser's answer in words.
"""
