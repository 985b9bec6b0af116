/**
 * `@ovsw/models` (filled by its own issue).
 *
 * @module
 */
export {};
