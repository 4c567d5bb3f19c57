-- Variants: their audit trail, and a counter of what they change (loaded by migration 0010).
--
-- historie gets a row per create, change and delete of a variant (soort 'variant') and of each
-- of its changes (soort 'variant_opgave'), in the same transaction, as for gebieden and opgaven
-- (migration 0004), with who did it from the same transaction-local settings. For a change,
-- object_id is the variant's id (the change itself is `sleutel` in voor/na): a variant's
-- whole trail is one range of ix_historie_object.
--
-- variant.inhoud_versie goes up whenever a variant's changes change, and when the register
-- deletes or restores an opgave that a variant changed (that opgave then leaves or rejoins
-- the variant, wherever the register had it). With the gebied's stapeling epoch (bumped by
-- every register edit in the gebied) it tells whether anything computed from the variant is
-- still current. It is not the variant's ETag (`versie`), and bumping it is no edit of the
-- variant: its audit trigger ignores that update.
--
-- Current definitions (executed by migration 0010 and later, see gebiedsregie/triggers.py).
-- A change here is a migration of its own: tests/test_triggers.py fails until there is one.

CREATE OR REPLACE FUNCTION variant_historie() RETURNS trigger LANGUAGE plpgsql AS $$
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
    IF TG_OP = 'UPDATE'
        AND voor - 'inhoud_versie' - 'inhoud_gewijzigd_op'
            = na - 'inhoud_versie' - 'inhoud_gewijzigd_op' THEN
        RETURN NULL;  -- only the counter moved (variant_inhoud_bump)
    END IF;
    IF TG_OP = 'INSERT' THEN
        actie := 'aangemaakt';
    ELSIF TG_OP = 'DELETE' THEN
        actie := 'gewist';
    ELSIF voor->>'verwijderd_op' IS NULL AND na->>'verwijderd_op' IS NOT NULL THEN
        actie := 'verwijderd';
    ELSIF voor->>'verwijderd_op' IS NOT NULL AND na->>'verwijderd_op' IS NULL THEN
        actie := 'hersteld';
    ELSIF voor->>'doorgevoerd_op' IS NULL AND na->>'doorgevoerd_op' IS NOT NULL THEN
        actie := 'doorgevoerd';
    ELSE
        actie := 'gewijzigd';
    END IF;
    INSERT INTO historie (soort, object_id, versie, actie, door, door_id, verzoek_id, voor, na)
    VALUES (
        'variant',
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

CREATE OR REPLACE FUNCTION variant_opgave_historie() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    voor jsonb;
    na jsonb;
    rij record;
BEGIN
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
        'variant_opgave',
        (coalesce(na, voor)->>'variant_id')::uuid,
        (coalesce(na, voor)->>'versie')::integer,
        CASE TG_OP WHEN 'INSERT' THEN 'aangemaakt' WHEN 'DELETE' THEN 'gewist' ELSE 'gewijzigd' END,
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

CREATE OR REPLACE FUNCTION variant_inhoud_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE variant SET inhoud_versie = inhoud_versie + 1, inhoud_gewijzigd_op = now()
    WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.variant_id ELSE NEW.variant_id END;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION variant_register_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE variant SET inhoud_versie = inhoud_versie + 1, inhoud_gewijzigd_op = now()
    WHERE id IN (SELECT variant_id FROM variant_opgave WHERE opgave_id = NEW.id);
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS variant_historie ON variant;
CREATE TRIGGER variant_historie AFTER INSERT OR UPDATE OR DELETE ON variant
    FOR EACH ROW EXECUTE FUNCTION variant_historie();
DROP TRIGGER IF EXISTS variant_opgave_historie ON variant_opgave;
CREATE TRIGGER variant_opgave_historie AFTER INSERT OR UPDATE OR DELETE ON variant_opgave
    FOR EACH ROW EXECUTE FUNCTION variant_opgave_historie();
DROP TRIGGER IF EXISTS variant_inhoud_bump ON variant_opgave;
CREATE TRIGGER variant_inhoud_bump AFTER INSERT OR UPDATE OR DELETE ON variant_opgave
    FOR EACH ROW EXECUTE FUNCTION variant_inhoud_bump();
DROP TRIGGER IF EXISTS variant_register_bump ON opgave;
CREATE TRIGGER variant_register_bump AFTER UPDATE OF verwijderd_op ON opgave
    FOR EACH ROW WHEN (OLD.verwijderd_op IS DISTINCT FROM NEW.verwijderd_op)
    EXECUTE FUNCTION variant_register_bump();
