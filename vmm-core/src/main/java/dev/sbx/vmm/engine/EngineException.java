package dev.sbx.vmm.engine;

/** A VM could not be started; the message is one line for the user, naming the fix where there is one. */
public class EngineException extends Exception {
  public EngineException(String message) {
    super(message);
  }

  public EngineException(String message, Throwable cause) {
    super(message, cause);
  }
}
