"""Comparing two situations of a gebied (issue #16): the register or a variant, each with its
own horizon.

- `overlay.py` (pure): the difference faces, one stapeling of every opgave version in A or B;
- `verschillen.py` (pure): the differences of the two samenvattingen;
- `opgaven.py`: which opgaven differ, and in which fields (read for every request);
- `berekening.py`: the samenvattingen and the overlay, computed in a bounded child process;
- `store.py`, `models.py`: stored comparisons, valid while the gebied's stapeling epoch is;
- `service.py`: the comparison of two situations, stored or computed now;
- `router.py`, `commands.py`, `report.py`: the API, the `vergelijk` command, its text table.
"""
