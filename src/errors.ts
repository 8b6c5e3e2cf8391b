/**
 * Errors thrown by ganref. Every error names the spec (catalog id or public function), the
 * argument at fault and what was expected, so a message alone says what to fix.
 */
export class GanrefError extends Error {
  /** The catalog id or function that refused the input, e.g. `objective/minimax`. */
  readonly spec: string;
  /** The argument or parameter at fault, e.g. `logitsReal` or `reduction`. */
  readonly argument: string;
  /** What was expected, in words, e.g. `a finite float32 tensor of rank 1`. */
  readonly expected: string;
  /** What was received, in words. */
  readonly received: string;

  constructor(spec: string, argument: string, expected: string, received: string) {
    super(`${spec}: argument '${argument}' must be ${expected}; got ${received}`);
    // ganref's own classes write their names out (a bundler may rename a class whose name
    // collides); a user's subclass keeps its class name.
    this.name = new.target === GanrefError ? 'GanrefError' : new.target.name;
    this.spec = spec;
    this.argument = argument;
    this.expected = expected;
    this.received = received;
  }
}

/** A tensor argument of the wrong kind, dtype, shape, or with values outside its domain. */
export class InvalidArgumentError extends GanrefError {
  override name = 'InvalidArgumentError';
}

/** A parameter (a number or option such as λ, a margin or a reduction) outside its range. */
export class InvalidParameterError extends GanrefError {
  override name = 'InvalidParameterError';
}
