package io.agp.tier;

import jakarta.validation.Valid;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The tiers AGP knows, by name ({@code agp.tiers.<name>.*}). The API rejects executions of any
 * other tier; a worker serves some or all of them.
 */
@Validated
@ConfigurationProperties("agp")
public record TiersProperties(@DefaultValue Map<String, @Valid TierProperties> tiers) {}
