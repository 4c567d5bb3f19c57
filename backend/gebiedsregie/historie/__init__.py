"""The audit trail of gebieden and opgaven, and undoing deletes."""
