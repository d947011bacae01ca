package io.agp.cli;

import io.agp.client.model.Format;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * How a query runs, for the commands that hand AGP one ({@code run}, {@code schedule create}): its
 * tier, its result's format, its parameters and the labels of its execution. A picocli mixin, so
 * that the options read and document the same in each.
 */
final class QueryOptions {

  @Option(names = "--tier", paramLabel = "TIER", description = "The tier to run on.")
  @Nullable String tier;

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      converter = Options.FormatConverter.class,
      completionCandidates = Options.Formats.class,
      description = "The result's format: ${COMPLETION-CANDIDATES} (default: JSON).")
  @Nullable Format format;

  @Option(
      names = "--param",
      paramLabel = "NAME=VALUE",
      description = "A query parameter, passed to ClickHouse (repeat for more).")
  @Nullable Map<String, String> parameters;

  @Option(
      names = "--label",
      paramLabel = "KEY=VALUE",
      description = "A label of the execution (repeat for more).")
  @Nullable Map<String, String> labels;
}
