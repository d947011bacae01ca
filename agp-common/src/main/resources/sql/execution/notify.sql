-- Sends a batch of notifications in one transaction (see Notifier): one pg_notify per pair of
-- channel and payload, in the order given. A notification is not worth a wait for the disk (a
-- NOTIFY makes its transaction write a commit record): without synchronous commit the listeners
-- hear of it a WAL flush sooner, and one lost in a crash costs them only their safety poll.
select set_config('synchronous_commit', 'off', true), pg_notify(n.channel, n.payload)
from unnest(cast(:channels as text[]), cast(:payloads as text[])) with ordinality as n(channel, payload, i)
order by n.i
