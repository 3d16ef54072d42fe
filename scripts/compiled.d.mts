/** Types of scripts/compiled.mjs (plain JavaScript: production runs it without tsx). */
export declare const ROOT: string;
export declare const DIST: string;
export declare function hashTree(dirs: string[], keep?: (name: string) => boolean): string | null;
export declare function isFresh(): boolean;
export declare function compiledEntry(entry: string): string | null;
export declare function build(): void;
