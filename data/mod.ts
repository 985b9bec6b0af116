/**
 * `@ovsw/data` (filled by its own issue).
 *
 * @module
 */
export {};
