package dev.sbx.image;

/** The image could not be built; the message names the problem and what to do about it. */
public final class ImageBuildException extends Exception {
  private static final long serialVersionUID = 1L;

  public ImageBuildException(String message) {
    super(message);
  }

  public ImageBuildException(String message, Throwable cause) {
    super(message, cause);
  }
}
