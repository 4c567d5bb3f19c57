-- Historie: one row per create, update and delete of a gebied or opgave, written by a row
-- trigger in the same transaction as the change, so no write path can skip it. Who did it
-- comes from the transaction-local settings gebiedsregie.door, gebiedsregie.door_id and
-- gebiedsregie.verzoek_id, set by the application (auth/service.py set_door); a change made
-- outside it is recorded as database:<role>.
--
-- Current definitions (executed by migrations 0009 and later, see gebiedsregie/triggers.py).
-- A change here is a migration of its own: tests/test_triggers.py fails until there is one.

CREATE OR REPLACE FUNCTION historie_vastleggen() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    actie text;
    voor jsonb;
    na jsonb;
    rij record;
BEGIN
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
    -- The geometry goes in its own column: blank it before the row becomes JSON.
    IF TG_OP <> 'INSERT' THEN
        rij := OLD;
        rij.geom := NULL;
        voor := to_jsonb(rij) - 'geom';
    END IF;
    IF TG_OP <> 'DELETE' THEN
        rij := NEW;
        rij.geom := NULL;
        na := to_jsonb(rij) - 'geom';
    END IF;
    INSERT INTO historie (
        soort, object_id, versie, actie, door, door_id, verzoek_id, voor, na, geom_voor, geom_na
    ) VALUES (
        TG_ARGV[0],
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
        na,
        CASE WHEN TG_OP <> 'INSERT' THEN OLD.geom END,
        CASE WHEN TG_OP <> 'DELETE' THEN NEW.geom END
    );
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS historie_vastleggen ON gebied;
CREATE TRIGGER historie_vastleggen AFTER INSERT OR UPDATE OR DELETE ON gebied
    FOR EACH ROW EXECUTE FUNCTION historie_vastleggen('gebied');

DROP TRIGGER IF EXISTS historie_vastleggen ON opgave;
CREATE TRIGGER historie_vastleggen AFTER INSERT OR UPDATE OR DELETE ON opgave
    FOR EACH ROW EXECUTE FUNCTION historie_vastleggen('opgave');
