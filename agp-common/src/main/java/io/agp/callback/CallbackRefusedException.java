package io.agp.callback;

/** A callback URL that callbacks may not reach; the message says why, without any address. */
public class CallbackRefusedException extends Exception {

  public CallbackRefusedException(String message) {
    super(message);
  }
}
