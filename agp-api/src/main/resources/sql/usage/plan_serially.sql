-- For the rest of the transaction, plans without parallel workers: a usage answer reads some
-- thousands of rows of the rollups, and on a small machine starting workers for it took longer
-- than the reading (every user's totals of 90 days: 58 ms with two workers, under 20 ms without).
set local max_parallel_workers_per_gather = 0
