"""Gebiedsregie: where spatial opgaven stack up, per gebied."""

__version__ = "0.1.0"
