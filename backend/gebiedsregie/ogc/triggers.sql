-- Laag versie: every write to gebied or opgave adds one to that table's row in laag_versie,
-- in the same transaction. The tiles' ETags are built from these counters, so they change
-- whenever anything in their collection may have changed.
--
-- Current definitions (executed by migrations 0009 and later, see gebiedsregie/triggers.py).
-- A change here is a migration of its own: tests/test_triggers.py fails until there is one.
--
-- The bump locks that row until the writing transaction ends: writes to the same table take
-- turns, and a long one (an import) makes the others wait for its commit.

CREATE OR REPLACE FUNCTION laag_versie_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE laag_versie SET versie = versie + 1 WHERE laag = TG_TABLE_NAME;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS laag_versie_bump ON gebied;
CREATE TRIGGER laag_versie_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON gebied
    FOR EACH STATEMENT EXECUTE FUNCTION laag_versie_bump();

DROP TRIGGER IF EXISTS laag_versie_bump ON opgave;
CREATE TRIGGER laag_versie_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON opgave
    FOR EACH STATEMENT EXECUTE FUNCTION laag_versie_bump();
