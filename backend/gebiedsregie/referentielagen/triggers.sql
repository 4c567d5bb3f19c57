-- Referentielagen: their audit trail (loaded by migration 0012).
--
-- historie gets a row per create, change and delete of a referentielaag (soort
-- 'referentielaag'), in the same transaction, with who did it from the same transaction-local
-- settings as for gebieden and opgaven (historie/triggers.sql). The laag has no geometry: its
-- objecten are not audited one by one. An import replaces them and updates the laag's row
-- (aantal_objecten, versie), which is the entry that records it.
--
-- Current definitions (executed by migration 0012 and later, see gebiedsregie/triggers.py).
-- A change here is a migration of its own: tests/test_triggers.py fails until there is one.

CREATE OR REPLACE FUNCTION referentielaag_historie() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    actie text;
    voor jsonb;
    na jsonb;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        voor := to_jsonb(OLD);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        na := to_jsonb(NEW);
    END IF;
    IF TG_OP = 'INSERT' THEN
        actie := 'aangemaakt';
    ELSIF TG_OP = 'DELETE' THEN
        actie := 'gewist';
    ELSIF OLD.verwijderd_op IS NULL AND NEW.verwijderd_op IS NOT NULL THEN
        actie := 'verwijderd';
    ELSIF OLD.verwijderd_op IS NOT NULL AND NEW.verwijderd_op IS NULL THEN
        actie := 'hersteld';
    ELSE
        actie := 'gewijzigd';
    END IF;
    INSERT INTO historie (soort, object_id, versie, actie, door, door_id, verzoek_id, voor, na)
    VALUES (
        'referentielaag',
        (coalesce(na, voor)->>'id')::uuid,
        (coalesce(na, voor)->>'versie')::integer,
        actie,
        coalesce(
            nullif(current_setting('gebiedsregie.door', true), ''),
            'database:' || session_user
        ),
        nullif(current_setting('gebiedsregie.door_id', true), '')::uuid,
        nullif(current_setting('gebiedsregie.verzoek_id', true), ''),
        voor,
        na
    );
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS referentielaag_historie ON referentielaag;
CREATE TRIGGER referentielaag_historie AFTER INSERT OR UPDATE OR DELETE ON referentielaag
    FOR EACH ROW EXECUTE FUNCTION referentielaag_historie();
