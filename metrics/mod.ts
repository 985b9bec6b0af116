/**
 * `@ovsw/metrics` (filled by its own issue).
 *
 * @module
 */
export {};
