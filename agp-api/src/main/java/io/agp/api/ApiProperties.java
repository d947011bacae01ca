package io.agp.api;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * The API's own settings ({@code agp.api.*}).
 *
 * @param maxSqlSize a longer SQL text is refused with 413; a JSON body may be twice this plus 64
 *     KiB
 * @param defaultTier the tier of an execution whose request names none
 * @param userHeader the header that names the caller when authentication is off
 * @param maxWait the longest {@code wait} a create or get may ask for
 * @param waitPollInterval how often a waiting request looks at the execution again
 * @param linkSecret the HMAC key of signed result links; a random one per start when empty
 * @param linkTtl how long a signed result link stays valid
 */
@Validated
@ConfigurationProperties("agp.api")
public record ApiProperties(
    @DefaultValue("1MB") @NotNull DataSize maxSqlSize,
    @DefaultValue("default") @NotBlank String defaultTier,
    @DefaultValue("X-AGP-User") @NotBlank String userHeader,
    @DefaultValue("60s") @NotNull Duration maxWait,
    @DefaultValue("100ms") @NotNull Duration waitPollInterval,
    @DefaultValue("") String linkSecret,
    @DefaultValue("1h") @NotNull Duration linkTtl) {}
