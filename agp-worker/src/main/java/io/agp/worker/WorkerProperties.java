package io.agp.worker;

import io.agp.tier.Tiers;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The worker's own settings ({@code agp.worker.*}).
 *
 * @param id names this worker on the executions it claims; empty means host name and process id
 * @param tiers the tiers this worker serves; empty means every configured tier
 * @param pollInterval how often an idle pool looks for PENDING executions
 * @param retryBackoff delay before a transiently failed execution may be claimed again
 * @param shutdownGrace how long running executions may go on after a stop was asked
 */
@Validated
@ConfigurationProperties("agp.worker")
public record WorkerProperties(
    @DefaultValue("") String id,
    @DefaultValue List<String> tiers,
    @DefaultValue("1s") @NotNull Duration pollInterval,
    @DefaultValue("2s") @NotNull Duration retryBackoff,
    @DefaultValue("30s") @NotNull Duration shutdownGrace) {

  /** The tiers this worker serves: those configured, or every tier. */
  public List<String> servedTiers(Tiers all) {
    return tiers.isEmpty() ? List.copyOf(all.names()) : tiers;
  }

  /** The worker id to write on claimed executions. */
  public String workerId() {
    if (!id.isBlank()) {
      return id;
    }
    String host = System.getenv().getOrDefault("HOSTNAME", "worker");
    return host + "-" + ProcessHandle.current().pid();
  }
}
