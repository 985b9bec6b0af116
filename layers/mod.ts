/**
 * `@ovsw/layers` (filled by its own issue).
 *
 * @module
 */
export {};
