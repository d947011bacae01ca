-- claim.sql: the users with PENDING executions in a tier (one probe per user), and each user's
-- next executions in claim order, priority then age.
create index executions_fair_claim_idx
    on executions (tier, created_by, priority desc, created_at, id)
    where status = 'PENDING';

-- claim.sql: when each waiting user of a tier last had an execution claimed (one probe per user).
create index executions_last_pick_idx
    on executions (tier, created_by, picked_at desc)
    where picked_at is not null;

-- Served claim.sql's former order across users (priority then age in the whole tier); nothing reads
-- PENDING rows in that order any more, and every PENDING row would still pay for its upkeep.
drop index executions_claim_idx;
