"""Koppelkansen and conflicten: which themas, and which themas and referentielagen, go
together on one piece of ground (`koppelkans`), get in each other's way (`conflict`), or
neither (`neutraal`); and where that happens in a gebied's stapeling."""
