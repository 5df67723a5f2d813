/**
 * Errors raised by the image utilities. Both are {@link StippleError}s, so a
 * host can switch on `code` and show `message` to the designer as it is.
 */
import { StippleError } from '../errors';

/**
 * Image bytes that cannot be decoded: not a PNG, truncated or corrupt.
 * `file` names what was read (a file name, or a description such as "the mask").
 */
export class ImageFormatError extends StippleError {
  readonly file: string;
  constructor(file: string, detail: string, options?: { cause?: unknown }) {
    super(
      'IMAGE_FORMAT',
      `${file} could not be read as an image (${detail}). It must be a PNG file: export or save it as PNG and try again.`,
      options,
    );
    this.file = file;
  }
}

/**
 * An argument a caller passed is unusable: wrong sizes, mismatched images,
 * values out of range. The message says what was expected.
 */
export class InvalidInputError extends StippleError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_INPUT', message, options);
  }
}
