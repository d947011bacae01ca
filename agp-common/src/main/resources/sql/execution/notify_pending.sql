-- Wakes the workers of each tier that has new PENDING executions (see PendingNotifier).
select pg_notify('agp_execution_pending', tier) from unnest(cast(:tiers as text[])) as tier
