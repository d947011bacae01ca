package io.agp.api;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * The API's own settings ({@code agp.api.*}).
 *
 * @param maxSqlSize a longer SQL text is refused with 413
 * @param defaultTier the tier of an execution whose request names none
 * @param userHeader the header that names the caller when authentication is off
 */
@Validated
@ConfigurationProperties("agp.api")
public record ApiProperties(
    @DefaultValue("1MB") @NotNull DataSize maxSqlSize,
    @DefaultValue("default") @NotBlank String defaultTier,
    @DefaultValue("X-AGP-User") @NotBlank String userHeader) {}
