-- Combinaties: their audit trail, and stored stapelingen kept true (loaded by migration 0013).
--
-- historie gets a row per change of the set (its versie, voorbeeld, toelichting) and per
-- cell created, changed or deleted (soort 'combinatie'), in the same transaction, with who
-- did it from the same transaction-local settings as for gebieden and opgaven
-- (historie/triggers.sql). Every row names the set (object_id) and the set's versie after
-- the change: a PUT bumps the versie first, so one edit is one versie.
--
-- A stored stapeling holds its koppelkansen and conflicten (per face and in its
-- samenvatting), computed from the matrices and from the referentielagen in the gebied. So
-- every change to a matrix, to a laag's objecten, or to what a laag is (slug, naam, soort,
-- deleted or not) drops the stored stapelingen of every gebied and moves their epochs
-- (stapeling_invalidate, stapeling/triggers.sql): a result computed meanwhile is not kept.
-- Statement triggers: an import of many objecten invalidates once per statement, not per row.
--
-- Current definitions (executed by migration 0013 and later, see gebiedsregie/triggers.py).
-- A change here is a migration of its own: tests/test_triggers.py fails until there is one.

CREATE OR REPLACE FUNCTION combinatie_historie() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    voor jsonb;
    na jsonb;
    stand record;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        voor := to_jsonb(OLD);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        na := to_jsonb(NEW);
    END IF;
    IF TG_OP = 'UPDATE' AND voor = na THEN
        RETURN NULL;
    END IF;
    SELECT id, versie INTO stand FROM combinatieset;
    INSERT INTO historie (soort, object_id, versie, actie, door, door_id, verzoek_id, voor, na)
    VALUES (
        'combinatie',
        coalesce((coalesce(na, voor)->>'id')::uuid, stand.id),
        coalesce((coalesce(na, voor)->>'versie')::integer, stand.versie),
        CASE TG_OP WHEN 'INSERT' THEN 'aangemaakt' WHEN 'DELETE' THEN 'gewist' ELSE 'gewijzigd' END,
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

CREATE OR REPLACE FUNCTION combinatie_stapeling_invalidate() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    alle uuid[];
BEGIN
    SELECT array_agg(id ORDER BY id) INTO alle FROM gebied;
    IF alle IS NOT NULL THEN
        PERFORM stapeling_invalidate(alle);
    END IF;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS combinatie_historie ON combinatieset;
CREATE TRIGGER combinatie_historie AFTER INSERT OR UPDATE OR DELETE ON combinatieset
    FOR EACH ROW EXECUTE FUNCTION combinatie_historie();
DROP TRIGGER IF EXISTS combinatie_historie ON thema_combinatie;
CREATE TRIGGER combinatie_historie AFTER INSERT OR UPDATE OR DELETE ON thema_combinatie
    FOR EACH ROW EXECUTE FUNCTION combinatie_historie();
DROP TRIGGER IF EXISTS combinatie_historie ON laag_combinatie;
CREATE TRIGGER combinatie_historie AFTER INSERT OR UPDATE OR DELETE ON laag_combinatie
    FOR EACH ROW EXECUTE FUNCTION combinatie_historie();

-- The set's versie and voorbeeld are in every stored samenvatting.
DROP TRIGGER IF EXISTS combinatie_stapeling_invalidate ON combinatieset;
CREATE TRIGGER combinatie_stapeling_invalidate AFTER INSERT OR UPDATE OR DELETE ON combinatieset
    FOR EACH STATEMENT EXECUTE FUNCTION combinatie_stapeling_invalidate();
DROP TRIGGER IF EXISTS combinatie_stapeling_invalidate ON thema_combinatie;
CREATE TRIGGER combinatie_stapeling_invalidate
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON thema_combinatie
    FOR EACH STATEMENT EXECUTE FUNCTION combinatie_stapeling_invalidate();
DROP TRIGGER IF EXISTS combinatie_stapeling_invalidate ON laag_combinatie;
CREATE TRIGGER combinatie_stapeling_invalidate
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON laag_combinatie
    FOR EACH STATEMENT EXECUTE FUNCTION combinatie_stapeling_invalidate();
DROP TRIGGER IF EXISTS combinatie_stapeling_invalidate ON referentieobject;
CREATE TRIGGER combinatie_stapeling_invalidate
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON referentieobject
    FOR EACH STATEMENT EXECUTE FUNCTION combinatie_stapeling_invalidate();
-- A laag's naam is in the samenvatting; its kleur, bron or aantal_objecten are not.
DROP TRIGGER IF EXISTS combinatie_stapeling_invalidate ON referentielaag;
CREATE TRIGGER combinatie_stapeling_invalidate
    AFTER INSERT OR DELETE OR UPDATE OF slug, naam, soort, verwijderd_op ON referentielaag
    FOR EACH STATEMENT EXECUTE FUNCTION combinatie_stapeling_invalidate();
