package io.agp.api.execution;

import io.agp.view.ExecutionView;
import java.util.List;

/**
 * A page of a list.
 *
 * @param cursor pass it back as {@code cursor} for the next page; null on the last page
 */
record ExecutionPage(List<ExecutionView> executions, String cursor) {}
