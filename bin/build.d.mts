/** Types for bin/build.mjs (plain JavaScript: it runs before anything can load TypeScript). */
export function signature(root?: string): string;
export function isFresh(root?: string): boolean;
export function build(root?: string): Promise<boolean>;
