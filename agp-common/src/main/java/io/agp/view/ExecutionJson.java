package io.agp.view;

import tools.jackson.databind.json.JsonMapper;

/**
 * Writes an {@link ExecutionView} as JSON outside the API (a callback's body), as the API writes
 * it: the names and inclusions are set on the view's types, not by an application's Jackson
 * settings, so both write the same bytes for the same view.
 */
public final class ExecutionJson {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private ExecutionJson() {}

  public static byte[] bytes(ExecutionView view) {
    return JSON.writeValueAsBytes(view);
  }
}
