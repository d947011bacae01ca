package io.agp.api.usage;

import java.util.List;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

/**
 * The answer of {@code GET /v1/usage}: the range it covers (UTC days, both included), how its rows
 * are grouped, and whether they stopped at the most an answer holds.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
record UsageView(
    String from,
    String to,
    String granularity,
    String groupBy,
    List<UsageRowView> rows,
    boolean truncated) {}
