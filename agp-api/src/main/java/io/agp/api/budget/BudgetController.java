package io.agp.api.budget;

import io.agp.api.ForbiddenException;
import io.agp.api.InvalidRequestException;
import io.agp.api.auth.Caller;
import io.agp.api.auth.Callers;
import io.agp.tier.Tiers;
import io.agp.usage.Budgets;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

/**
 * {@code GET /v1/usage/budgets}: the caller's daily budgets today on each tier they may use that
 * has any, read afresh (one statement per such tier). An admin may ask for another user's; anyone
 * else asking so is refused (403).
 */
@RestController
class BudgetController {

  private static final int MAX_USER_LENGTH = 256;

  private final Budgets budgets;
  private final Callers callers;
  private final Tiers tiers;

  BudgetController(Budgets budgets, Callers callers, Tiers tiers) {
    this.budgets = budgets;
    this.callers = callers;
    this.tiers = tiers;
  }

  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  record BudgetsView(String user, LocalDate day, Instant resetsAt, List<BudgetView> budgets) {}

  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  record BudgetView(
      String tier, String scope, String budget, Number limit, Number used, Number remaining) {}

  @GetMapping(path = "/v1/usage/budgets", produces = MediaType.APPLICATION_JSON_VALUE)
  BudgetsView budgets(@RequestParam(required = false) String user, HttpServletRequest http) {
    Caller caller = callers.current(http);
    String whose = caller.user();
    if (user != null) {
      if (user.isBlank() || user.length() > MAX_USER_LENGTH) {
        throw new InvalidRequestException(
            "user", "user must have 1 to " + MAX_USER_LENGTH + " characters");
      }
      if (!caller.admin() && !user.equals(caller.user())) {
        throw new ForbiddenException("user", "only an admin may read another user's budgets");
      }
      whose = user;
    }
    LocalDate day = budgets.today();
    List<BudgetView> lines = new ArrayList<>();
    // Another user's tiers are in their token, which an admin does not have: every tier.
    boolean own = whose.equals(caller.user());
    for (String tier : tiers.names()) {
      if (!budgets.any(tier) || (own && !caller.mayUse(tier))) {
        continue;
      }
      Budgets.State state = budgets.read(tier, whose);
      for (Budgets.Line line : state.lines()) {
        lines.add(
            new BudgetView(
                tier,
                line.scope().text(),
                line.kind().text(),
                line.kind().shown(line.limit()),
                line.kind().shown(line.used()),
                line.kind().shown(line.remaining())));
      }
    }
    Instant resetsAt = day.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
    return new BudgetsView(whose, day, resetsAt, lines);
  }
}
