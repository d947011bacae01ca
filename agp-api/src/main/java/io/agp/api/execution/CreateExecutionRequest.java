package io.agp.api.execution;

import java.util.Map;

/**
 * The JSON body of a create; a text/plain body is the SQL alone.
 *
 * @param name a name for the execution, shown in lists and filtered on
 * @param maxAge seconds: a SUCCEEDED, unexpired result of the same query this fresh is returned
 *     instead of running the query again
 * @param replace cancel an in-flight execution of the same query_id with other SQL instead of
 *     refusing with 409
 * @param callbackUrl where to POST the execution's JSON when it ends; set only by the create that
 *     makes the execution, not by one that collapses onto it or reuses it
 */
record CreateExecutionRequest(
    String sql,
    String queryId,
    String name,
    String tier,
    String format,
    Map<String, String> parameters,
    Long maxAge,
    Boolean replace,
    Map<String, String> labels,
    String callbackUrl) {

  CreateExecutionRequest withQueryId(String id) {
    return new CreateExecutionRequest(
        sql, id, name, tier, format, parameters, maxAge, replace, labels, callbackUrl);
  }
}
