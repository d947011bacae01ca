package io.agp.api.result;

import java.time.Instant;

/** A signed link that downloads a result without credentials until it expires. */
record ResultLinkView(String url, Instant expiresAt) {}
