-- Claims of one tier under a per-user limit take turns: held until the claiming transaction ends.
select true
from pg_advisory_xact_lock(hashtextextended('agp.claim:' || :tier, 0))
