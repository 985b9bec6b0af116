/**
 * `@ovsw/optim` (filled by its own issue).
 *
 * @module
 */
export {};
