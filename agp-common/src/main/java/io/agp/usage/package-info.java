/**
 * Usage per user, tier, hour and UTC day: the events that record what happened (an execution's end,
 * an interactive query, a download), their rollups, and the daily budgets that refuse runs past
 * them. See {@code db/migrations/V18__add_usage.sql}.
 */
package io.agp.usage;
