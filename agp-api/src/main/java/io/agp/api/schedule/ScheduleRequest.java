package io.agp.api.schedule;

import java.util.Map;

/**
 * The JSON body of a schedule's create or replace: the query, as a create of an execution names it,
 * and its cadence.
 *
 * @param queryId the query_id every run shares; by default the query hash, as for a create, so that
 *     a create of the same query with {@code max_age} finds the runs' results
 * @param everySeconds run every so many seconds (the first run at once); or give {@code cron}
 * @param cron run at the instants of a cron expression (six fields, UTC); or give {@code
 *     every_seconds}
 * @param paused create it paused; on a replace, absent keeps the schedule as it is
 */
record ScheduleRequest(
    String name,
    String sql,
    String queryId,
    String tier,
    String format,
    Map<String, String> parameters,
    Map<String, String> labels,
    Long everySeconds,
    String cron,
    Boolean paused) {}
