/**
 * Argument checks shared by the model constructors.
 *
 * @module
 */

/** Checks the class count; throws a one-line error naming the model and the option. */
export function checkClasses(model: string, classes: number): number {
  if (!Number.isInteger(classes) || classes < 1) {
    throw new RangeError(`${model}: classes must be a positive integer, got ${classes}`);
  }
  return classes;
}
