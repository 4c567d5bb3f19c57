"""Ruimtebalans: what the opgaven of a gebied ask (their ruimtevraag) against the ground that
is available there (the gebied minus its sturende referentielagen)."""
