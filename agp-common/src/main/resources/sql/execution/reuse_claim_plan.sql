-- Before claim.sql, in the same transaction: plan it once per connection and reuse that plan.
-- PostgreSQL would otherwise plan it anew at each claim (its generic plan looks dearer on paper,
-- since the limits are unknown), and planning it costs more than running it. Its plan does not
-- depend on the values of the parameters: every row it reads comes through an index by design.
select set_config('plan_cache_mode', 'force_generic_plan', true)
