-- Sends a batch of notifications in one transaction (see Notifier): one pg_notify per pair of
-- channel and payload, in the order given.
select pg_notify(n.channel, n.payload)
from unnest(cast(:channels as text[]), cast(:payloads as text[])) with ordinality as n(channel, payload, i)
order by n.i
