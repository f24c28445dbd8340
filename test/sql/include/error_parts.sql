\set ECHO none
-- pg_temp.err(query): the error a query raises, as its SQLSTATE and
-- message, DETAIL and HINT, one row each ('no error' when it raises none)
CREATE FUNCTION pg_temp.err(q text) RETURNS TABLE (part text) LANGUAGE plpgsql AS $$
DECLARE
	st text; msg text; det text; hnt text;
BEGIN
	EXECUTE q;
	RETURN QUERY SELECT 'no error';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
		det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
	RETURN QUERY VALUES (st || ': ' || msg), ('DETAIL: ' || det), ('HINT: ' || hnt);
END
$$;
\set ECHO all
