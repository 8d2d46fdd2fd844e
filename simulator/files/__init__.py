"""Files: what a run leaves on disk.

- `folders`: run folders, claimed atomically, and their manifests with checksums.
- `output`: writing a run's tables, scenario copy, figures and reports into its folder.
- `eventlog`: the event log (XES) of a run, for process-mining tools.
- `ocel`: the records of a run as an object-centric event log (OCEL 2.0 JSON).
- `tickets`: a run's contacts as the queue-ticket logs `fit` reads.
"""
