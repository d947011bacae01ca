-- A result of at most the tier's inline-result-size bytes is kept in its execution's row, as the
-- store would hold it (compressed as the tier says), instead of in the result store: storing and
-- serving it then take no write, fsync or request to the store. Null for a result in the store.
-- The key (result_key) is set either way; no object exists under it for an inline result.
alter table executions add column result_inline bytea;
