/**
 * `@ovsw/cli` (filled by its own issue).
 *
 * @module
 */
export {};
