"""Varianten: what-if situations of a gebied, as changes against the register.

A variant belongs to one gebied and holds only its changes against the register (the
*huidige situatie*), never a copy of it:

- an opgave left out (`weggelaten`);
- an opgave changed in the variant only (`gewijzigd`): the variant's full version of the
  opgave's fields and shape, with the register opgave's versie when the change was made;
- an opgave that exists only in the variant (`nieuw`), drawn or imported into it, with the
  same fields and checks as a register opgave.

The variant's situation is the register with these changes applied, now: an edit of the
register shows at once in every variant that did not change that opgave, and a variant that
did change it keeps its own version. A register opgave deleted since is gone from every
variant too. A variant's answer says what changed in the register since it was made and
since each of its changes (`sindsdien.py`), so nobody decides on a stale picture.

Who may do what: planners create and edit variants and their changes while the status is
`concept` or `voorgelegd`; only a beheerder sets `vastgesteld`, and a `vastgesteld` or
`verworpen` variant is read-only but for a beheerder's status change. A beheerder applies a
vastgesteld variant to the register (`doorvoeren.py`): all of it or nothing.

`situatie.opgaven_van` gives the effective opgaven of a situation (the register, or a
variant) to the stapeling, in one query.
"""
