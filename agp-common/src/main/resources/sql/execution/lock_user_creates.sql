-- Creates of one user in one tier under a max-pending-per-user cap take turns, so that two at once
-- cannot both see room for one more: held until the creating transaction ends.
select true
from pg_advisory_xact_lock(hashtextextended('agp.create:' || :tier || ':' || :user, 0))
