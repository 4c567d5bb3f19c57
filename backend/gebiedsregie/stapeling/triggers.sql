-- Stored stapelingen stay true: a write that can change one deletes it, in the same transaction.
--
-- Current definitions (executed by migrations 0009 and later, see gebiedsregie/triggers.py).
-- A change here is a migration of its own: tests/test_triggers.py fails until there is one.
--
-- stapeling_epoch holds a counter per gebied. Every invalidation bumps it; a reader keeps a
-- result only if the epoch it read before loading the opgaven is still current (checked
-- under a share lock, stapeling/store.py), so a result computed from data that changed
-- meanwhile is never kept.

CREATE OR REPLACE FUNCTION stapeling_epoch_init() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO stapeling_epoch (gebied_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION stapeling_invalidate(gebied_ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    -- Lock in id order, so concurrent writers cannot deadlock on each other's gebieden.
    PERFORM 1 FROM stapeling_epoch WHERE gebied_id = ANY(gebied_ids)
        ORDER BY gebied_id FOR UPDATE;
    UPDATE stapeling_epoch SET epoch = epoch + 1 WHERE gebied_id = ANY(gebied_ids);
    DELETE FROM stapeling WHERE gebied_id = ANY(gebied_ids);
END $$;

CREATE OR REPLACE FUNCTION stapeling_gebied_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM stapeling_invalidate(ARRAY[NEW.id]);
    RETURN NULL;
END $$;

-- The gebieden an opgave meets before and after the write.
CREATE OR REPLACE FUNCTION stapeling_opgave_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    touched uuid[];
BEGIN
    SELECT array_agg(g.id) INTO touched FROM gebied g
    WHERE (TG_OP <> 'INSERT' AND ST_Intersects(g.geom, OLD.geom))
       OR (TG_OP <> 'DELETE' AND ST_Intersects(g.geom, NEW.geom));
    IF touched IS NOT NULL THEN
        PERFORM stapeling_invalidate(touched);
    END IF;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS stapeling_epoch_init ON gebied;
CREATE TRIGGER stapeling_epoch_init AFTER INSERT ON gebied
    FOR EACH ROW EXECUTE FUNCTION stapeling_epoch_init();

-- A new shape, or the gebied deleted or restored.
DROP TRIGGER IF EXISTS stapeling_gebied_changed ON gebied;
CREATE TRIGGER stapeling_gebied_changed AFTER UPDATE OF geom, verwijderd_op ON gebied
    FOR EACH ROW EXECUTE FUNCTION stapeling_gebied_changed();

-- Only the columns a stored result reads (ids, themas, geometry) or filters on (thema,
-- status, trekker, horizon), and deletes: a new beschrijving keeps what is stored.
DROP TRIGGER IF EXISTS stapeling_opgave_changed ON opgave;
CREATE TRIGGER stapeling_opgave_changed
    AFTER INSERT OR DELETE OR UPDATE OF geom, thema, status, trekker, horizon, verwijderd_op
    ON opgave FOR EACH ROW EXECUTE FUNCTION stapeling_opgave_changed();
