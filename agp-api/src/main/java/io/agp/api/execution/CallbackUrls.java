package io.agp.api.execution;

import io.agp.api.InvalidRequestException;
import io.agp.callback.CallbackGuard;
import io.agp.callback.CallbackProperties;
import io.agp.callback.CallbackRefusedException;
import org.springframework.stereotype.Component;

/**
 * The callback URL of a create, checked before anything is created: callbacks must be enabled, and
 * the URL one the {@link CallbackGuard} lets callbacks reach (its host is resolved now, so that a
 * URL that could never be called back fails the create, not a day of retries). The bookkeeper
 * checks again before each attempt.
 */
@Component
class CallbackUrls {

  private final CallbackProperties properties;
  private final CallbackGuard guard;

  CallbackUrls(CallbackProperties properties, CallbackGuard guard) {
    this.properties = properties;
    this.guard = guard;
  }

  /** The URL to record, or null when the request names none; a 400 when it is refused. */
  String check(String url) {
    if (url == null) {
      return null;
    }
    if (!properties.enabled()) {
      throw new InvalidRequestException(
          "callback_url", "completion callbacks are not enabled on this server");
    }
    try {
      guard.check(url);
    } catch (CallbackRefusedException e) {
      throw new InvalidRequestException("callback_url", e.getMessage());
    }
    return url;
  }
}
