package io.agp.api.execution;

import java.util.Map;

/** The JSON body of a create; a text/plain body is the SQL alone. */
record CreateExecutionRequest(
    String sql,
    String queryId,
    String tier,
    String format,
    Map<String, String> parameters,
    Map<String, String> labels) {}
