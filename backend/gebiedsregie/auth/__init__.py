"""Accounts, roles, sessions, API tokens and OpenID Connect."""
