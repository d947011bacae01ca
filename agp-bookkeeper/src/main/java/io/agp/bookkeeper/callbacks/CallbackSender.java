package io.agp.bookkeeper.callbacks;

import io.agp.callback.CallbackGuard;
import io.agp.callback.CallbackProperties;
import io.agp.callback.CallbackRefusedException;
import io.agp.execution.Callback;
import io.agp.execution.Execution;
import io.agp.schedule.PeriodicJob;
import io.agp.view.ExecutionJson;
import io.agp.view.ExecutionView;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends completion callbacks: claims the due ones in batches ({@code FOR UPDATE SKIP LOCKED}, so
 * several bookkeepers share the outbox), POSTs each execution's JSON, as its creator's get shows
 * it, signed, to its callback URL, and records the attempt. A 2xx delivers it; anything else
 * (another status, a redirect, a timeout, a refused address) is tried again after a delay that
 * doubles at each attempt, up to {@code max-backoff}, with jitter, until the next try would come
 * more than {@code max-age} after the execution ended: then it is given up.
 *
 * <p>Delivery is at least once, not exactly once: a receiver that took a callback but whose 2xx got
 * lost, or a bookkeeper that died before it recorded a 2xx, means the callback comes again. The
 * callbacks of a batch are sent at once, each on a virtual thread and bounded by the timeouts, so a
 * receiver that hangs holds up neither the others nor the round for longer than the timeouts.
 */
public final class CallbackSender implements PeriodicJob {

  private static final Logger log = LoggerFactory.getLogger(CallbackSender.class);

  /** How much longer than its timeouts an attempt is left to its sender before it is lost. */
  private static final Duration LEASE_MARGIN = Duration.ofMinutes(1);

  /** The longest error kept on the execution. */
  private static final int MAX_ERROR_LENGTH = 500;

  private final CallbackRepository callbacks;
  private final CallbackGuard guard;
  private final CallbackPoster poster;
  private final CallbackProperties properties;
  private final CallbackSignature signature;
  private final Clock clock;
  private final Counter delivered;
  private final Counter retried;
  private final Counter givenUp;

  public CallbackSender(
      CallbackRepository callbacks,
      CallbackGuard guard,
      CallbackPoster poster,
      CallbackProperties properties,
      Clock clock,
      MeterRegistry meters) {
    this.callbacks = callbacks;
    this.guard = guard;
    this.poster = poster;
    this.properties = properties;
    this.signature = new CallbackSignature(properties.signingKey());
    this.clock = clock;
    this.delivered = outcomes(meters, "delivered");
    this.retried = outcomes(meters, "retried");
    this.givenUp = outcomes(meters, "given_up");
  }

  /** What one round did: attempts made, and how they ended. */
  public record Report(int attempts, int delivered, int retrying, int givenUp) {}

  /** How one attempt ended. */
  private enum Outcome {
    DELIVERED,
    RETRYING,
    GIVEN_UP,
    /** Taken for lost and claimed again meanwhile: the later attempt records its own outcome. */
    LOST
  }

  @Override
  public String name() {
    return "callbacks";
  }

  @Override
  public Duration interval() {
    return properties.interval();
  }

  @Override
  public Report runOnce() {
    Instant deadline = clock.instant().plus(properties.timeLimit());
    Duration lease = properties.connectTimeout().plus(properties.readTimeout()).plus(LEASE_MARGIN);
    int attempts = 0;
    Map<Outcome, Integer> counts = new LinkedHashMap<>();
    while (true) {
      List<Execution> batch = callbacks.claimDue(properties.batchSize(), lease);
      attempts += batch.size();
      for (Outcome outcome : sendAll(batch)) {
        counts.merge(outcome, 1, Integer::sum);
      }
      if (batch.size() < properties.batchSize() || !clock.instant().isBefore(deadline)) {
        break;
      }
    }
    return new Report(
        attempts,
        counts.getOrDefault(Outcome.DELIVERED, 0),
        counts.getOrDefault(Outcome.RETRYING, 0),
        counts.getOrDefault(Outcome.GIVEN_UP, 0));
  }

  /** Sends a batch at once; an attempt whose outcome could not be recorded is left to its lease. */
  private List<Outcome> sendAll(List<Execution> batch) {
    List<Future<Outcome>> sent = new ArrayList<>(batch.size());
    try (ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
      for (Execution claimed : batch) {
        sent.add(senders.submit(() -> attempt(claimed)));
      }
    }
    List<Outcome> outcomes = new ArrayList<>(batch.size());
    for (int i = 0; i < sent.size(); i++) {
      try {
        outcomes.add(sent.get(i).get());
      } catch (ExecutionException e) {
        log.error(
            "callback of execution {}: the attempt's outcome was not recorded; it is tried again"
                + " once its lease has passed",
            batch.get(i).id(),
            e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return outcomes;
  }

  private Outcome attempt(Execution claimed) {
    Callback callback = claimed.callback();
    CallbackGuard.Target target;
    try {
      target = guard.check(callback.url());
    } catch (CallbackRefusedException e) {
      return retryOrGiveUp(claimed, null, "refused: " + e.getMessage());
    }
    byte[] body = ExecutionJson.bytes(ExecutionView.of(claimed, ExecutionView.Viewer.CREATOR));
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "application/json");
    headers.put("User-Agent", "AGP-Callbacks");
    headers.put("X-AGP-Execution-Id", Long.toString(claimed.id()));
    headers.put("X-AGP-Delivery", claimed.id() + "-" + callback.attempts());
    headers.put("X-AGP-Signature", signature.sign(clock.instant().getEpochSecond(), body));
    int status;
    try {
      status = poster.post(target, headers, body);
    } catch (IOException e) {
      return retryOrGiveUp(claimed, null, describe(e));
    }
    if (status >= 200 && status < 300) {
      if (!callbacks.markDelivered(claimed, status)) {
        return Outcome.LOST;
      }
      delivered.increment();
      log.debug("callback of execution {} delivered to {}", claimed.id(), target.host());
      return Outcome.DELIVERED;
    }
    String error =
        status >= 300 && status < 400
            ? "HTTP " + status + ": redirects are not followed"
            : "HTTP " + status;
    return retryOrGiveUp(claimed, status, error);
  }

  private Outcome retryOrGiveUp(Execution claimed, Integer status, String error) {
    Duration delay = backoff(claimed.callback().attempts());
    String bounded =
        error.length() <= MAX_ERROR_LENGTH ? error : error.substring(0, MAX_ERROR_LENGTH) + "…";
    Callback.State state =
        callbacks.retryOrGiveUp(claimed, status, bounded, delay, properties.maxAge()).orElse(null);
    if (state == null) {
      return Outcome.LOST;
    }
    if (state == Callback.State.FAILED) {
      givenUp.increment();
      // The URL may carry a secret of the receiver: the execution names it.
      log.warn(
          "callback of execution {} given up after {} attempts; the last: {}",
          claimed.id(),
          claimed.callback().attempts(),
          bounded);
      return Outcome.GIVEN_UP;
    }
    retried.increment();
    log.debug(
        "callback of execution {}, attempt {}: {}; next in about {}",
        claimed.id(),
        claimed.callback().attempts(),
        bounded,
        delay);
    return Outcome.RETRYING;
  }

  /**
   * The delay after the given failed attempt: {@code backoff} doubled at each attempt after the
   * first, at most {@code max-backoff}, of which a random part (up to half) is taken off, so that
   * callbacks that failed together do not come back together.
   */
  Duration backoff(int attempt) {
    long base = properties.backoff().toMillis();
    long cap = properties.maxBackoff().toMillis();
    long delay = base << Math.min(Math.max(attempt - 1, 0), 30);
    if (delay <= 0 || delay > cap) {
      delay = cap;
    }
    return Duration.ofMillis(delay - ThreadLocalRandom.current().nextLong(delay / 2 + 1));
  }

  private static String describe(IOException e) {
    return switch (e) {
      case SocketTimeoutException t -> "timed out: " + t.getMessage();
      case ConnectException c -> "could not connect: " + c.getMessage();
      case SSLException s -> "TLS: " + s.getMessage();
      default -> e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    };
  }

  private static Counter outcomes(MeterRegistry meters, String outcome) {
    return Counter.builder("agp.bookkeeper.callbacks")
        .description("Callback attempts by outcome: delivered, retried, given_up")
        .tag("outcome", outcome)
        .register(meters);
  }
}
