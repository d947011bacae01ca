package io.agp.api.execution;

import io.agp.api.execution.ExecutionQueries.SearchOrder;
import io.agp.execution.ExecutionStatus;
import java.util.List;

/**
 * One item of a search: the executions of a query_id (and hash), in some statuses (default
 * SUCCEEDED), at most {@code limit} (default 3), newest first by creation or completion.
 */
record SearchRequest(
    String queryId,
    String queryHash,
    List<ExecutionStatus> statuses,
    Integer limit,
    SearchOrder sortBy) {}
