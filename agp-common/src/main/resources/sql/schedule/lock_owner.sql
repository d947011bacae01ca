-- Creates of one user's schedules take turns, so that two at once cannot both see room for one
-- more under the limit per user: held until the creating transaction ends.
select true
from pg_advisory_xact_lock(hashtextextended('agp.schedule:' || :owner, 0))
